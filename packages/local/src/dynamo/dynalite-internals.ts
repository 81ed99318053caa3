import type { Server } from "node:http";
import { createRequire } from "node:module";

/**
 * The parts of dynalite 4 that transactions reuse: its store (LevelDB and per-item locks), its request
 * validation and expression parsing, and its single-item actions. dynalite ships them as CommonJS modules
 * without types or an `exports` map, so they are loaded here, once, and typed as far as we call them.
 * Everything else in this folder goes through this file, so a dynalite upgrade is checked in one place.
 */

export type AttributeValue = Record<string, unknown>;
export type Item = Record<string, AttributeValue>;

/** What dynalite's actions and validations fail with: an HTTP status and the DynamoDB error body. */
export interface DynaliteError extends Error {
  statusCode?: number;
  body?: { __type: string; message?: string; Message?: string };
}

export type Callback<T> = (error: DynaliteError | null | undefined, result?: T) => void;
/** dynalite's per-item lock hands its holder this: wrap the final callback, and calling it releases the lock. */
export type Release = (done?: (...args: never[]) => void) => (...args: unknown[]) => void;

export interface ItemDb {
  lock(key: string, exec: (release: Release) => void): void;
  get(key: string, cb: Callback<Item>): void;
  put(key: string, value: unknown, cb: Callback<void>): void;
  del(key: string, cb: Callback<void>): void;
}

export interface TableDescription {
  TableName: string;
  TableStatus: string;
  KeySchema: { AttributeName: string; KeyType: string }[];
}

export interface LevelBatchOperation {
  type: "put" | "del";
  key: string;
  value?: unknown;
}

/** The main LevelDB of a store, with the promise API of abstract-level underneath dynalite's callback wrappers. */
export interface LevelDb {
  batch(operations: LevelBatchOperation[], callback: Callback<void>): void;
  iterator(options: { gte: string; lt: string }): AsyncIterable<[string, unknown]>;
  get(key: string, cb: Callback<unknown>): void;
}

/** dynalite's sub-database of table descriptions (db/index.js `tableDb`), as its actions use it. */
export interface TableDb {
  get(key: string, cb?: Callback<unknown>): unknown;
  put(key: string, value: unknown, cb?: Callback<void>): unknown;
  del(key: string, cb?: Callback<void>): unknown;
  batch(operations: unknown[], cb?: Callback<void>): unknown;
}

export interface DynaliteStore {
  options: { maxItemSize: number; path?: string };
  db: LevelDb;
  /** The table descriptions' sub-database (table-descriptions.ts keeps them in memory); absent in a staged view. */
  tableDb?: TableDb;
  getTable(name: string, cb: Callback<TableDescription>): void;
  getItemDb(name: string): ItemDb;
  getIndexDb(indexType: string, tableName: string, indexName: string): Pick<ItemDb, "put" | "del">;
  lifecycleManager?: { trackOperation<T>(operation: Promise<T>): Promise<T> };
}

/** A validation spec in dynalite's own format (`validations/*.js` `types`). */
export type TypeSpec = Record<string, unknown>;

export interface ActionValidation {
  types: Record<string, TypeSpec>;
  custom?: (data: Record<string, unknown>, store: DynaliteStore) => string | undefined;
}

export type Action = (store: DynaliteStore, data: Record<string, unknown>, cb: Callback<Record<string, unknown>>) => void;

interface DbModule {
  create(options: unknown): DynaliteStore;
  createKey(item: Item, table: TableDescription): string;
  validateKey(key: Item, table: TableDescription): DynaliteError | undefined;
  validateItem(item: Item, table: TableDescription): DynaliteError | undefined;
  validateKeyPaths(nestedPaths: unknown, table: TableDescription): DynaliteError | undefined;
  validateUpdates(attributeUpdates: unknown, updates: unknown, table: TableDescription): DynaliteError | undefined;
  validationError(message: string): DynaliteError;
  checkConditional(data: Record<string, unknown>, existing: Item | undefined): DynaliteError | null | undefined;
  capacityUnits(item: Item | undefined, isRead: boolean, isConsistent?: boolean): number;
}

interface ValidationsModule {
  checkTypes(data: unknown, types: Record<string, TypeSpec>): Record<string, unknown>;
  checkValidations(data: Record<string, unknown>, types: Record<string, TypeSpec>, custom: ActionValidation["custom"], store: DynaliteStore): void;
  validateExpressionParams(data: Record<string, unknown>, expressions: string[], nonExpressions: string[]): string | undefined;
  validateAttributeValue(value: AttributeValue): string | undefined;
  validateExpressions(data: Record<string, unknown>): string | undefined;
}

const fromHere = createRequire(import.meta.url);
const fromDynalite = createRequire(fromHere.resolve("dynalite"));

type DynaliteFactory = (options: Record<string, unknown>) => Server;
const dynaliteFactory = fromDynalite("./index.js") as DynaliteFactory;
export const dynaliteDb = fromDynalite("./db/index.js") as DbModule;
export const dynaliteValidations = fromDynalite("./validations/index.js") as ValidationsModule;
export const singleItemActions = {
  putItem: fromDynalite("./actions/putItem.js") as Action,
  updateItem: fromDynalite("./actions/updateItem.js") as Action,
  deleteItem: fromDynalite("./actions/deleteItem.js") as Action,
  getItem: fromDynalite("./actions/getItem.js") as Action,
};
export const singleItemValidations = {
  putItem: fromDynalite("./validations/putItem.js") as ActionValidation,
  updateItem: fromDynalite("./validations/updateItem.js") as ActionValidation,
  deleteItem: fromDynalite("./validations/deleteItem.js") as ActionValidation,
  getItem: fromDynalite("./validations/getItem.js") as ActionValidation,
};
/**
 * dynalite's three expression parsers (PEG.js output, db/*Parser.js). validations/index.js calls each as
 * `parser.parse(text, { context })` on the module object it required, so replacing `parse` on these same
 * module objects (Node's require cache hands out one per file and thread) changes what dynalite calls.
 */
export interface ExpressionParser {
  parse(input: string, options?: { context?: ParseContext }): unknown;
}

/** What validations/index.js `validateExpressions` hands the parsers: the request's placeholders and bookkeeping. */
export interface ParseContext {
  attrNames?: Record<string, string>;
  attrVals?: Record<string, AttributeValue>;
  /** The placeholders not used yet: each parser deletes those it resolves (the rest are an error afterwards). */
  unusedAttrNames?: Record<string, boolean>;
  unusedAttrVals?: Record<string, boolean>;
  isKeyCondition?: boolean;
  [other: string]: unknown;
}

export const expressionParsers = {
  condition: fromDynalite("./db/conditionParser.js") as ExpressionParser,
  update: fromDynalite("./db/updateParser.js") as ExpressionParser,
  projection: fromDynalite("./db/projectionParser.js") as ExpressionParser,
};

/** dynalite's response checksum (the `x-amz-crc32` header), from the same package it uses. */
export const crc32 = fromDynalite("buffer-crc32") as { unsigned(body: string): number };

/**
 * dynalite's key layout in its one LevelDB (db/index.js `getSubDb`: every sub-database is a `<name>~`
 * prefix). Transactions write items and index entries of several sub-databases in one LevelDB batch, so
 * they need the prefixed keys that the sub-database wrappers would otherwise add one write at a time.
 */
export const levelKeys = {
  item: (tableName: string, key: string) => `item-${tableName}~${key}`,
  index: (indexType: string, tableName: string, indexName: string, key: string) => `index-${indexType.toLowerCase()}~${tableName}~${indexName}~${key}`,
};

/**
 * Starts dynalite and hands back its store with its server. dynalite keeps the store inside the server's
 * request handler and exports no way to reach it, but it builds it through its own `db.create`; that one
 * call is wrapped for the duration of the (synchronous) construction.
 */
export function createDynaliteWithStore(options: Record<string, unknown>): { server: Server; store: DynaliteStore } {
  const original = dynaliteDb.create;
  let store: DynaliteStore | undefined;
  dynaliteDb.create = (storeOptions) => (store = original(storeOptions));
  let server: Server;
  try {
    server = dynaliteFactory(options);
  } finally {
    dynaliteDb.create = original;
  }
  if (!store) throw new Error("dynalite did not create its store through db.create: its internals changed");
  return { server, store };
}

/** Turns dynalite's callback style into a promise for the code here. */
export function promised<T>(run: (cb: Callback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => run((error, result) => (error ? reject(error) : resolve(result as T))));
}

export function isDynaliteError(error: unknown): error is DynaliteError & { statusCode: number; body: NonNullable<DynaliteError["body"]> } {
  return error instanceof Error && typeof (error as DynaliteError).statusCode === "number" && (error as DynaliteError).body !== undefined;
}
