import type Database from "better-sqlite3";

/** Prepared statements of one connection, prepared once and cached by their SQL text. */
export interface StatementCache {
  prepare(sql: string): Database.Statement;
}

/** A cache on `db`; reading statements return integers as numbers. */
export function statementCache(db: Database.Database): StatementCache {
  const statements = new Map<string, Database.Statement>();
  return {
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = db.prepare(sql);
        if (statement.reader) statement.safeIntegers(false);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
