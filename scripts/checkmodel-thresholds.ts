/**
 * Per-rule thresholds for the check model: greedily lower the threshold of the rule that gains
 * the most violations per false flag, while every negative corpus and the authored near misses
 * stay within their false-flag budgets (counted over all rules: a line flagged by two rules is
 * one false flag), and no threshold goes below a floor.
 */

export interface ThresholdInput {
  /** logits[e * rules + r] */
  logits: Float64Array
  rules: number
  labels: Int32Array
  /** Per example: the budget group it counts against (-1: none), e.g. a corpus or near misses. */
  group: Int32Array
  /** Per group: the most false flags allowed (a count). */
  budget: number[]
  /** Per example and rule: what flagging a positive is worth (0: not a positive). */
  gain: Float64Array
  /** No threshold goes below this logit. */
  floor: number
  /**
   * Per example, 1 when another channel (the rules) flags it already: a negative among them
   * counts against its budget from the start, and adds nothing when a rule's threshold reaches it.
   */
  preFlagged?: Uint8Array
}

/** Logit thresholds per rule (Infinity: the rule never flags). */
export function chooseThresholds(input: ThresholdInput): number[] {
  const { logits, rules: R, labels, group, budget, gain, floor } = input
  const E = labels.length
  const thresholds = new Array<number>(R).fill(Infinity)
  const flagged = new Uint8Array(E) // negatives flagged by some rule
  const used = budget.map(() => 0)
  if (input.preFlagged)
    for (let e = 0; e < E; e++)
      if (input.preFlagged[e] && (labels[e] as number) === 0 && (group[e] as number) >= 0) {
        flagged[e] = 1
        used[group[e] as number]!++
      }
  // Per rule: the positives' logits, highest first, and every negative sorted the same way.
  const positives: number[][] = []
  const negatives: number[][] = []
  for (let r = 0; r < R; r++) {
    const pos: number[] = []
    const neg: number[] = []
    for (let e = 0; e < E; e++) {
      if (((labels[e] as number) >> r) & 1) {
        if ((gain[e * R + r] as number) > 0) pos.push(e)
      } else if ((group[e] as number) >= 0) neg.push(e)
    }
    const by = (a: number, b: number) =>
      (logits[b * R + r] as number) - (logits[a * R + r] as number) || a - b
    positives.push(pos.sort(by))
    negatives.push(neg.sort(by))
  }
  const nextPos = new Array<number>(R).fill(0)
  const nextNeg = new Array<number>(R).fill(0)
  for (;;) {
    // Each rule's best move: lowering its threshold to any positive further down, judged by the
    // violations it gains per false flag it adds (looking past a costly step to the run of
    // violations behind it), within every budget.
    let best = -1
    let bestRatio = 0
    let bestT = 0
    for (let r = 0; r < R; r++) {
      const pos = positives[r]!
      const neg = negatives[r]!
      const cost = budget.map(() => 0)
      let g = 0
      let k = nextNeg[r]!
      for (let p = nextPos[r]!; p < pos.length;) {
        const t = logits[pos[p]! * R + r] as number
        if (t < floor) break
        for (; p < pos.length && (logits[pos[p]! * R + r] as number) >= t; p++)
          g += gain[pos[p]! * R + r] as number
        for (; k < neg.length && (logits[neg[k]! * R + r] as number) >= t; k++)
          if (!flagged[neg[k]!]) cost[group[neg[k]!]!]!++
        // (A group another channel has already spent is closed only to steps that add to it.)
        if (cost.some((c, i) => c > 0 && used[i]! + c > budget[i]!)) break
        const ratio = g / (1 + cost.reduce((a, b) => a + b, 0))
        if (ratio > bestRatio) {
          bestRatio = ratio
          best = r
          bestT = t
        }
      }
    }
    if (best < 0) break
    const r = best
    thresholds[r] = bestT
    const pos = positives[r]!
    while (nextPos[r]! < pos.length && (logits[pos[nextPos[r]!]! * R + r] as number) >= bestT)
      nextPos[r]!++
    const neg = negatives[r]!
    while (nextNeg[r]! < neg.length && (logits[neg[nextNeg[r]!]! * R + r] as number) >= bestT) {
      const e = neg[nextNeg[r]!]!
      if (!flagged[e]) {
        flagged[e] = 1
        used[group[e]!]!++
      }
      nextNeg[r]!++
    }
  }
  return thresholds
}
