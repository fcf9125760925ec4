/**
 * The one stylesheet, inlined in every page so a phone on a slow link renders in one round trip.
 * The CSP allows exactly this text by its hash; no other inline style or script can run.
 */
export const css = `
:root{color-scheme:light dark;--fg:#1b1b1b;--muted:#5c5c5c;--bg:#fff;--card:#f6f4f1;--line:#e2ddd6;--accent:#b3261e;--link:#0b57a4;--ok:#1e6b34;--amber:#8a5300;--ins:#d8f5dc;--del:#fde0dc;--mark:#ffe7a3}
@media (prefers-color-scheme:dark){:root{--fg:#e8e6e3;--muted:#a9a49d;--bg:#141414;--card:#1f1e1d;--line:#3a3733;--accent:#ff8a80;--link:#8ab4f8;--ok:#81c995;--amber:#f2b84b;--ins:#1e4d2b;--del:#5c2320;--mark:#5a4a12}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:17px/1.8 -apple-system,BlinkMacSystemFont,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei","Segoe UI",Roboto,sans-serif;overflow-wrap:anywhere;word-break:normal;line-break:strict}
a{color:var(--link)}
header,main,footer{max-width:42rem;margin:0 auto;padding:0 1rem}
header{display:flex;flex-wrap:wrap;gap:0 1rem;align-items:center;justify-content:space-between;padding-top:.25rem;padding-bottom:.25rem;border-bottom:1px solid var(--line);font-size:16px}
header .site{font-weight:700;color:var(--accent);text-decoration:none}
nav{display:flex;gap:0 1.25rem;flex-wrap:wrap}
header a,.links a,a.tap,.toc a{display:inline-flex;align-items:center;min-height:44px}
.links{display:flex;flex-wrap:wrap;align-items:center;gap:0 1.25rem}
.toc li,ul.plain li{margin:0}
ul.plain{list-style:none;padding:0}
.nowrap{white-space:nowrap}
h1{font-size:1.45rem;line-height:1.4;margin:1.25rem 0 .5rem}
h2{font-size:1.15rem;line-height:1.5;margin:1.75rem 0 .5rem}
p,li{margin:.6rem 0}
.meta{color:var(--muted);font-size:16px}
.rule{border-top:1px solid var(--line);padding-top:.25rem}
.rule h2 .n{display:inline-block;min-width:1.6em;color:var(--accent)}
blockquote{margin:.75rem 0;padding:.5rem .9rem;background:var(--card);border-left:4px solid var(--accent);border-radius:4px}
blockquote p{margin:.25rem 0}
code,.hash{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:14px;word-break:break-all}
table{width:100%;border-collapse:collapse;font-size:16px}
th,td{text-align:left;vertical-align:top;padding:.4rem .3rem;border-bottom:1px solid var(--line)}
.tag{display:inline-block;white-space:nowrap;font-size:14px;line-height:1.6;padding:0 .45em;border-radius:3px;background:var(--card);border:1px solid var(--line)}
.tag.current{border-color:var(--ok);color:var(--ok)}
.tag.upcoming{border-color:var(--link);color:var(--link)}
.tag.material,.tag.added,.tag.removed,.tag.block{border-color:var(--accent);color:var(--accent)}
ins{background:var(--ins);text-decoration:none}
del{background:var(--del)}
mark{background:var(--mark);color:inherit}
mark.block{background:var(--del);box-shadow:inset 0 -2px var(--accent)}
mark.review{box-shadow:inset 0 -2px var(--amber)}
.verdict{margin:1rem 0;padding:.6rem 1rem;border-radius:4px;border-left:6px solid}
.verdict p{margin:.3rem 0}
.verdict .sign{display:inline-block;min-width:1.6em;height:1.6em;line-height:1.6em;margin-right:.4em;text-align:center;border-radius:50%;color:#fff;font-weight:700}
.verdict.block{background:var(--del);border-color:var(--accent)}
.verdict.block .sign{background:var(--accent)}
.verdict.review{background:var(--mark);border-color:var(--amber)}
.verdict.review .sign{background:var(--amber)}
.verdict.pass{background:var(--ins);border-color:var(--ok)}
.verdict.pass .sign{background:var(--ok)}
.tag.review{border-color:var(--amber);color:var(--amber)}
sup.n{font-size:12px;font-weight:700;margin-left:1px}
ol.findings{list-style:none;padding:0}
.finding{border-top:1px solid var(--line);padding:.25rem 0}
.finding p{margin:.3rem 0}
.finding .n{display:inline-block;min-width:1.6em;height:1.6em;line-height:1.6em;text-align:center;border-radius:50%;background:var(--card);border:1px solid var(--line);font-size:14px;font-weight:700}
.finding.block .n{border-color:var(--accent);color:var(--accent)}
.finding.review .n{border-color:var(--amber);color:var(--amber)}
.checked{white-space:pre-wrap;background:var(--card);padding:.6rem .8rem;border-radius:4px}
.diff{white-space:pre-wrap;background:var(--card);padding:.6rem .8rem;border-radius:4px}
form{margin:1rem 0}
label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input,textarea,select,button{font:inherit;font-size:17px;max-width:100%}
input[type=text],textarea{width:100%;padding:.5rem;border:1px solid var(--line);border-radius:4px;background:var(--bg);color:var(--fg)}
button{min-height:44px;padding:.55rem 1.2rem;border:0;border-radius:4px;background:var(--accent);color:#fff;cursor:pointer}
input[type=text]{min-height:44px}
.status-box{margin:1rem 0;padding:.6rem 1rem;background:var(--card);border-left:4px solid var(--muted);border-radius:4px}
.status-box p{margin:.3rem 0}
.status-box.superseded,.status-box.material{border-left-color:var(--accent)}
.status-box.upcoming{border-left-color:var(--link)}
.status-box.error{border-left-color:var(--accent);background:var(--del)}
.status-box h1{margin:.25rem 0}
summary{cursor:pointer;padding:.6rem 0}
.notice-box{padding:.75rem 1rem;background:var(--card);border-radius:4px;margin:1rem 0}
dl.proof{margin:.5rem 0}
dl.proof dt{font-weight:600;font-size:15px;margin-top:.5rem}
dl.proof dd{margin:0}
table.receipt th{width:6.5em;white-space:nowrap;overflow-wrap:normal}
label.statement{display:flex;gap:.6rem;align-items:flex-start;font-weight:400;min-height:44px}
label.statement input{width:22px;height:22px;margin-top:.3rem;flex:none}
.print-only{display:none}
footer{margin-top:2rem;padding-top:1rem;padding-bottom:2rem;border-top:1px solid var(--line);color:var(--muted);font-size:14px}
@media print{header nav,footer,.noprint{display:none}.print-only{display:block}body{font-size:11pt;line-height:1.5;color:#000;background:#fff}a{color:#000;text-decoration:none}.rule{break-inside:avoid}.verdict,.verdict.pass,.verdict.block,.verdict.review,.status-box,.notice-box{background:none;border:1px solid #000}header{border:0}.verdict .sign{background:none;color:#000;border:1px solid #000}h1{margin-top:0}table.receipt,dl.proof{font-size:10pt}dl.proof dt{margin-top:.2rem}@page{margin:15mm}}
`
  .trim()
  .replace(/\n/g, '')
