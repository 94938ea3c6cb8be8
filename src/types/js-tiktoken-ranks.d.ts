// js-tiktoken publishes its rank tables only through package "exports", which
// TypeScript's CommonJS resolution does not read; Node resolves them at run time.
declare module 'js-tiktoken/ranks/o200k_base' {
  import type { TiktokenBPE } from 'js-tiktoken/lite';
  const ranks: TiktokenBPE;
  export default ranks;
}
