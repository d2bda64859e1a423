// Parses a SAM/CloudFormation template with the `yaml` package. The short intrinsic tags (!Ref,
// !Sub, …) become their long JSON forms ({ Ref: … }, { 'Fn::Sub': … }), as CloudFormation reads them.
import { parse, type CollectionTag, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';

const FUNCTIONS = [
  'Base64', 'Cidr', 'FindInMap', 'GetAtt', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub',
  'Transform', 'And', 'Equals', 'If', 'Not', 'Or', 'Contains', 'EachMemberEquals', 'ToJsonString', 'Length',
];

function longName(name: string): string {
  return name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
}

/** `!GetAtt A.B` is the short form of `Fn::GetAtt: [A, B]`; every other scalar stays as written. */
function scalarArgument(name: string, value: string): unknown {
  if (name !== 'GetAtt') return value;
  const dot = value.indexOf('.');
  return [value.slice(0, dot), value.slice(dot + 1)];
}

const CFN_TAGS = ['Ref', 'Condition', ...FUNCTIONS].flatMap((name): (ScalarTag | CollectionTag)[] => [
  { tag: `!${name}`, resolve: (value: string) => ({ [longName(name)]: scalarArgument(name, value) }) },
  {
    tag: `!${name}`,
    collection: 'seq',
    resolve: (seq) => ({ [longName(name)]: (seq as YAMLSeq.Parsed).toJSON() }),
  },
  {
    tag: `!${name}`,
    collection: 'map',
    resolve: (map) => ({ [longName(name)]: (map as YAMLMap.Parsed).toJSON() }),
  },
]);

export type CfnTemplate = {
  Parameters?: Record<string, { Default?: unknown }>;
  Globals?: Record<string, Record<string, unknown>>;
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  [key: string]: unknown;
};

export function parseCfnTemplate(source: string): CfnTemplate {
  const doc = parse(source, { customTags: CFN_TAGS, prettyErrors: true, uniqueKeys: true });
  if (doc === null || typeof doc !== 'object' || typeof doc.Resources !== 'object') {
    throw new Error('not a CloudFormation template: no Resources mapping');
  }
  return doc as CfnTemplate;
}
