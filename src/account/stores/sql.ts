// The one way the object talks to its SQLite: every statement has a name, and a failure says which
// statement failed. Rows are built from `raw()` arrays, which cost less than workerd's own row
// objects (bench/README.md).
type Row = Record<string, SqlStorageValue>;

export class Sql {
  constructor(private readonly storage: SqlStorage) {}

  run(name: string, query: string, ...args: SqlStorageValue[]): void {
    this.exec(name, query, args);
  }

  rows<T extends Row>(name: string, query: string, ...args: SqlStorageValue[]): T[] {
    const cursor = this.exec(name, query, args);
    const names = cursor.columnNames;
    const rows: T[] = [];
    for (const values of cursor.raw()) {
      const row: Row = {};
      for (let i = 0; i < names.length; i++) row[names[i]!] = values[i]!;
      rows.push(row as T);
    }
    return rows;
  }

  /** The first row, or undefined when there is none. */
  first<T extends Row>(name: string, query: string, ...args: SqlStorageValue[]): T | undefined {
    return this.rows<T>(name, query, ...args)[0];
  }

  /** Exactly one row (aggregates, RETURNING): none is a bug. */
  one<T extends Row>(name: string, query: string, ...args: SqlStorageValue[]): T {
    const row = this.first<T>(name, query, ...args);
    if (row === undefined) throw new Error(`sql ${name}: expected one row, got none`);
    return row;
  }

  private exec(name: string, query: string, args: SqlStorageValue[]): SqlStorageCursor<Row> {
    try {
      return this.storage.exec(query, ...args);
    } catch (error) {
      throw new Error(`sql ${name}: ${(error as Error).message}`, { cause: error });
    }
  }
}
