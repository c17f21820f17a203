import * as ecs from 'aws-cdk-lib/aws-ecs';
import { EnforcerOptions } from '../enforcer';

/**
 * Throws when the user sets, in `environment` or `secrets`, a variable that a preset sets from one
 * of its own props (the fix: give that prop instead).
 */
export function rejectReserved(preset: string, props: EnforcerOptions, reserved: { [variable: string]: string }): void {
  for (const [name, prop] of Object.entries(reserved)) {
    if (props.environment?.[name] !== undefined || props.secrets?.[name] !== undefined) {
      throw new Error(`Enforcer.${preset}: '${name}' is set by the preset from '${prop}'; remove it from environment/secrets and give '${prop}'`);
    }
  }
}

/** Throws when a required secret prop is missing or is not an `ecs.Secret`. */
export function requireSecret(preset: string, prop: string, value: unknown, what: string): ecs.Secret {
  // ecs.Secret's factories return plain objects, not instances: check the shape.
  const secret = value as ecs.Secret | undefined;
  if (!secret || typeof secret !== 'object' || typeof secret.arn !== 'string' || typeof secret.grantRead !== 'function') {
    const got = value === undefined ? 'nothing' : typeof value === 'string' ? 'a plain string' : JSON.stringify(value);
    throw new Error(`Enforcer.${preset}: '${prop}' (${what}) is required as an ecs.Secret (e.g. ecs.Secret.fromSecretsManager(secret)), got ${got}; ` +
      'it is never set as a plain environment variable');
  }
  return secret;
}

/** Throws when a required string prop is missing or empty. */
export function requireString(preset: string, prop: string, value: unknown, example: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`Enforcer.${preset}: '${prop}' is required (e.g. ${example}), got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Throws when the preset is given no `image`. */
export function requireImage(preset: string, value: unknown, example: string): ecs.ContainerImage {
  if (!(value instanceof ecs.ContainerImage)) {
    throw new Error(`Enforcer.${preset}: 'image' is required: the vendor's image, pinned to a version, e.g. ecs.ContainerImage.fromRegistry('${example}')`);
  }
  return value;
}

/** The defined fields only, so that an explicit `undefined` does not erase a preset default. */
export function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
