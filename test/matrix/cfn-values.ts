// A template's values as a stack with given parameters would have them (the defaults: prod as the
// project was created): Ref to a parameter, Fn::If over the template's Conditions, AWS::NoValue
// dropped. Everything else (Sub, GetAtt, a resource's Ref) stays as written.
import type { CfnTemplate } from './cfn-yaml.js';

const NO_VALUE = Symbol('AWS::NoValue');

export class StackValues {
  private readonly params: Record<string, unknown>;
  private readonly conditions: Record<string, unknown>;

  constructor(
    private readonly t: CfnTemplate,
    given: Record<string, string> = {},
  ) {
    this.params = Object.fromEntries(Object.entries(t.Parameters ?? {}).map(([k, p]) => [k, p.Default]));
    Object.assign(this.params, given);
    this.conditions = (t.Conditions ?? {}) as Record<string, unknown>;
  }

  /** Whether a resource is created: no Condition, or its condition holds. */
  exists(resource: string): boolean {
    const condition = (this.t.Resources[resource] as { Condition?: string } | undefined)?.Condition;
    return condition === undefined || this.holds(condition);
  }

  holds(name: string): boolean {
    return this.evaluate(this.conditions[name]);
  }

  resolve(v: unknown): unknown {
    const out = this.value(v);
    return out === NO_VALUE ? undefined : out;
  }

  private value(v: unknown): unknown {
    if (Array.isArray(v)) return v.map((x) => this.value(x)).filter((x) => x !== NO_VALUE);
    if (!v || typeof v !== 'object') return v;
    const entries = Object.entries(v);
    if (entries.length === 1) {
      const [key, arg] = entries[0];
      if (key === 'Ref' && arg === 'AWS::NoValue') return NO_VALUE;
      if (key === 'Ref' && typeof arg === 'string' && arg in this.params) return this.params[arg];
      if (key === 'Fn::If') {
        const [name, yes, no] = arg as [string, unknown, unknown];
        return this.value(this.holds(name) ? yes : no);
      }
    }
    return Object.fromEntries(entries.map(([k, x]) => [k, this.value(x)]).filter(([, x]) => x !== NO_VALUE));
  }

  private evaluate(c: unknown): boolean {
    const [[key, arg]] = Object.entries(c as Record<string, unknown>);
    const args = arg as unknown[];
    if (key === 'Fn::Equals') return String(this.resolve(args[0])) === String(this.resolve(args[1]));
    if (key === 'Fn::Not') return !this.evaluate(args[0]);
    if (key === 'Fn::And') return args.every((x) => this.evaluate(x));
    if (key === 'Fn::Or') return args.some((x) => this.evaluate(x));
    if (key === 'Condition') return this.holds(arg as string);
    throw new Error(`not a condition function: ${key}`);
  }
}
