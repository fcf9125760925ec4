import { getTableColumns, sql, type SQL, type SQLWrapper, type Table } from 'drizzle-orm'

/**
 * `column` is `unit` or a unit below it. One index range [unit, unit+'0') — '0' follows '/' —
 * then a filter that drops siblings such as "unit-2" which sort inside that range.
 */
export function inUnit(column: SQLWrapper, unit: string | null | undefined): SQL {
  if (!unit) return sql`1`
  return sql`(${column} >= ${unit} AND ${column} < ${`${unit}0`} AND (${column} = ${unit} OR ${column} >= ${`${unit}/`}))`
}

/**
 * Keyset paging in (unit, id) order inside `inUnit`. After the first page the cursor is the
 * lower bound (it already lies inside the unit), so the unit contributes only the upper bound
 * and each page starts where the last one ended instead of at the start of the unit.
 */
export function unitPage(
  unitColumn: SQLWrapper,
  idColumn: SQLWrapper,
  unit: string | null | undefined,
  after: { unit: string; id: number } | undefined,
): SQL {
  if (!after) return inUnit(unitColumn, unit)
  const cursor = sql`(${unitColumn}, ${idColumn}) > (${after.unit}, ${after.id})`
  if (!unit) return cursor
  return sql`(${cursor} AND ${unitColumn} < ${`${unit}0`} AND (${unitColumn} = ${unit} OR ${unitColumn} >= ${`${unit}/`}))`
}

/**
 * The SELECT list for `insert(table).select(sql)`, which drizzle pairs with every column of the
 * table in definition order: built from that same order, so a new column cannot misalign it.
 */
export function selectList<T extends Table>(
  table: T,
  values: Record<keyof T['$inferSelect'], SQL>,
): SQL {
  const keys = Object.keys(getTableColumns(table)) as (keyof T['$inferSelect'])[]
  return sql.join(
    keys.map((key) => values[key]),
    sql`, `,
  )
}
