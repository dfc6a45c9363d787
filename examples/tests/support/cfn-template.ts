import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CollectionTag, parse, type ScalarTag, YAMLMap, YAMLSeq } from 'yaml';

/** A parsed CloudFormation template, with short-form intrinsics turned into their long form ({"Fn::Sub": ...}). */
export interface Template {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Parameters?: Record<string, Record<string, unknown>>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

export interface Resource {
  Type: string;
  Condition?: string;
  DependsOn?: string | string[];
  Metadata?: Record<string, unknown>;
  Properties?: Record<string, unknown>;
  [key: string]: unknown;
}

export const templatesDir = fileURLToPath(new URL('../../cloudformation/', import.meta.url));
export const templateNames = ['infrastructure.yaml', 'controller.yaml'] as const;
export type TemplateName = (typeof templateNames)[number];

/** Short-form tags and the long-form key each becomes. */
const intrinsics: Record<string, string> = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  '!Sub': 'Fn::Sub',
  '!GetAtt': 'Fn::GetAtt',
  '!ImportValue': 'Fn::ImportValue',
  '!Join': 'Fn::Join',
  '!Select': 'Fn::Select',
  '!Split': 'Fn::Split',
  '!If': 'Fn::If',
  '!Not': 'Fn::Not',
  '!Equals': 'Fn::Equals',
  '!And': 'Fn::And',
  '!Or': 'Fn::Or',
  '!FindInMap': 'Fn::FindInMap',
  '!Base64': 'Fn::Base64',
  '!Cidr': 'Fn::Cidr',
  '!GetAZs': 'Fn::GetAZs',
  '!Transform': 'Fn::Transform',
  '!ToJsonString': 'Fn::ToJsonString',
  '!Length': 'Fn::Length',
};

function tagsFor(tag: string, key: string): (ScalarTag | CollectionTag)[] {
  const scalar: ScalarTag = {
    tag,
    identify: () => false,
    // !GetAtt Resource.Attribute is shorthand for ["Resource", "Attribute"].
    resolve: (value: string) => {
      if (key === 'Fn::GetAtt') {
        const dot = value.indexOf('.');
        return { [key]: [value.slice(0, dot), value.slice(dot + 1)] };
      }
      return { [key]: value };
    },
  };
  const seq: CollectionTag = {
    tag,
    collection: 'seq',
    identify: () => false,
    nodeClass: YAMLSeq,
    resolve: (value) => ({ [key]: (value as YAMLSeq).toJSON() }) as unknown as YAMLSeq,
  };
  const map: CollectionTag = {
    tag,
    collection: 'map',
    identify: () => false,
    nodeClass: YAMLMap,
    resolve: (value) => ({ [key]: (value as YAMLMap).toJSON() }) as unknown as YAMLMap,
  };
  return [scalar, seq, map];
}

const customTags = Object.entries(intrinsics).flatMap(([tag, key]) => tagsFor(tag, key));

export function parseTemplate(text: string): Template {
  const doc = parse(text, { customTags, uniqueKeys: true }) as Template;
  if (!doc || typeof doc !== 'object' || !doc.Resources) throw new Error('not a CloudFormation template');
  return doc;
}

export function loadTemplate(name: TemplateName): Template {
  return parseTemplate(readFileSync(`${templatesDir}${name}`, 'utf8'));
}
