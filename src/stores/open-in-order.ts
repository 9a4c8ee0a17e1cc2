import { closeAll } from './index.js';

type Closable = { close(): Promise<void> };

/**
 * Opens stores one after another for a factory (sqlite-stores.ts, postgres-stores.ts): if one fails,
 * the ones already open are closed, newest first, then `cleanup` runs (the PostgreSQL pool), and the
 * error is thrown on. `close` closes them all the same way once the factory has handed them out.
 */
export function openInOrder(cleanup: () => Promise<void> = async () => {}): {
  open<T extends Closable>(make: () => T | Promise<T>): Promise<T>;
  close(): Promise<void>;
} {
  const opened: Closable[] = [];
  const close = async (): Promise<void> => {
    await closeAll(opened);
    await cleanup();
  };
  return {
    async open(make) {
      try {
        const store = await make();
        opened.push(store);
        return store;
      } catch (err) {
        await close();
        throw err;
      }
    },
    close,
  };
}
