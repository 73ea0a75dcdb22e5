/** reckon's public library entry. */
export { diffTables, DiffRun, type DiffOptions, type SideSpec } from './diff/diff-tables.ts';
export { ReckonError, type ErrorCode } from './errors.ts';
export { openSource } from './sources/connect.ts';
export type { Source, ScanRequest, SourceOptions } from './sources/source.ts';
export type { DiffAlgorithm, DiffEvent, DiffSummary, DiffProgress, ChangedEvent, OnlyEvent, TableInfo, ColumnInfo, LogicalType } from './types.ts';
export { encodeRow, rowHash, loadHasher } from './normalize/encode-row.ts';
export { normalizerFor, valueClass } from './normalize/values.ts';
