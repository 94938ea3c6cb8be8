// The part of javascript-lp-solver's API that Smart uses (the package ships no declarations).
declare module 'javascript-lp-solver' {
  export interface Bound {
    min?: number;
    max?: number;
    equal?: number;
  }
  export interface Model {
    optimize: string;
    opType: 'min' | 'max';
    constraints: Record<string, Bound>;
    variables: Record<string, Record<string, number>>;
    binaries?: Record<string, 1>;
    ints?: Record<string, 1>;
    options?: { tolerance?: number; timeout?: number; presolve?: boolean };
  }
  export interface Solution {
    feasible: boolean;
    bounded?: boolean;
    result: number;
    [variable: string]: number | boolean | undefined;
  }
  const solver: { Solve(model: Model): Solution };
  export default solver;
}
