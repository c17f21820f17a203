/**
 * All the sources of a container's image defaults, in order:
 *
 * 1. declared by container name (`imageDefaults[<container name>]`);
 * 2. declared by image name (`imageDefaults[<image as written>]`);
 * 3. for an asset image (`ContainerImage.fromAsset`), its Dockerfile; where the Dockerfile leaves
 *    ENTRYPOINT or CMD to an external base image, sources 2 and 4 for that base image's reference;
 * 4. the context key `cdk-enforced-fargate:imageDefaults` by image name (what `lookup` writes).
 *
 * How the Dockerfile is found: `AssetImage.bind()` creates a `DockerImageAsset` with the id
 * `AssetImage` under the container definition (for `fromDockerImageAsset(asset)`, the asset is
 * found by its `imageUri`, which is the container's image name). Its `Staging` child (`AssetStaging`) has the
 * public `sourcePath` (the directory as the user gave it); the Dockerfile's name, the target and
 * the build args are kept by `DockerImageAsset` in fields that are private to TypeScript
 * (`dockerfilePath`, `dockerBuildTarget`, `dockerBuildArgs`) but present at run time in every
 * aws-cdk-lib v2 since 2.0. They are read defensively: a shape that does not match is reported
 * as an error that says to declare the defaults, never guessed around.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AssetStaging, Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { DockerImageAsset } from 'aws-cdk-lib/aws-ecr-assets';
import { IConstruct } from 'constructs';
import { DockerfileError, readDockerfileDefaults } from './dockerfile';
import { findImageDefaults, FoundImageDefaults, ImageDefaults } from './image-defaults';

/** Found defaults, plus the image reference `lookup` can read what is still unknown from. */
export interface ContainerImageDefaults extends FoundImageDefaults {
  /** The registry image whose config decides what is still unknown, when there is one. */
  readonly lookupReference?: string;
}

/** Where an asset image's Dockerfile is, and how it is built. */
export interface AssetDockerfile {
  readonly file: string;
  readonly target?: string;
  readonly buildArgs?: { [name: string]: string };
}

/** The Dockerfile of a container whose image is a `ContainerImage.fromAsset`, or a message. */
export function assetDockerfile(container: ecs.ContainerDefinition): AssetDockerfile | string | undefined {
  const asset = findAsset(container);
  if (asset === undefined) return undefined;
  const staging = asset.node.tryFindChild('Staging');
  const fields = asset as unknown as { dockerfilePath?: unknown; dockerBuildTarget?: unknown; dockerBuildArgs?: unknown };
  if (!(staging instanceof AssetStaging) || typeof fields.dockerfilePath !== 'string'
    || (fields.dockerBuildTarget !== undefined && typeof fields.dockerBuildTarget !== 'string')
    || (fields.dockerBuildArgs !== undefined && (typeof fields.dockerBuildArgs !== 'object' || fields.dockerBuildArgs === null))) {
    return `is an asset image, but this aws-cdk-lib's DockerImageAsset does not show where its Dockerfile is; declare the image defaults with imageDefaults`;
  }
  return {
    file: path.resolve(staging.sourcePath, fields.dockerfilePath),
    target: fields.dockerBuildTarget as string | undefined,
    buildArgs: fields.dockerBuildArgs as { [name: string]: string } | undefined,
  };
}

/**
 * The DockerImageAsset a container's image is built from: the one `fromAsset` created under the
 * container, or, for `ContainerImage.fromDockerImageAsset(asset)` (whose image name is that
 * asset's `imageUri` token, the same string), the asset of that `imageUri` anywhere in the app.
 */
function findAsset(container: ecs.ContainerDefinition): DockerImageAsset | undefined {
  const child = container.node.tryFindChild('AssetImage');
  if (child instanceof DockerImageAsset) return child;
  if (!Token.isUnresolved(container.imageName)) return undefined;
  return assetsByImageUri(container.node.root).get(container.imageName);
}

/**
 * The app's DockerImageAssets by `imageUri`, indexed once per app: scanning the whole tree for
 * each container whose image name is a token (every ECR image) would make synthesis quadratic in
 * the size of the app. The enforcement runs at synthesis, when the app's assets exist; an asset
 * created later still fails closed (its container's defaults are then reported unknown).
 */
const assetIndex = new WeakMap<IConstruct, Map<string, DockerImageAsset>>();
function assetsByImageUri(root: IConstruct): Map<string, DockerImageAsset> {
  let byUri = assetIndex.get(root);
  if (byUri === undefined) {
    byUri = new Map();
    for (const c of root.node.findAll()) if (c instanceof DockerImageAsset) byUri.set(c.imageUri, c);
    assetIndex.set(root, byUri);
  }
  return byUri;
}

/**
 * Finds a container's image defaults in every source, in order. Returns a message when a source
 * is malformed, and `undefined` when no source knows anything.
 */
export function findContainerImageDefaults(
  container: ecs.ContainerDefinition,
  declared: { [name: string]: ImageDefaults } | undefined,
  context: { [image: string]: unknown } | undefined,
): ContainerImageDefaults | string | undefined {
  const name = container.containerName;
  const imageName = Token.isUnresolved(container.imageName) ? undefined : container.imageName;

  const fromDeclaration = findImageDefaults(name, imageName, declared, undefined);
  if (fromDeclaration !== undefined) return fromDeclaration;

  const dockerfile = assetDockerfile(container);
  if (typeof dockerfile === 'string') return dockerfile;
  if (dockerfile !== undefined) return fromDockerfile(dockerfile, declared, context);

  const fromContext = findImageDefaults(name, imageName, undefined, context);
  if (fromContext !== undefined) return fromContext;
  return imageName !== undefined ? { defaults: {}, source: 'no source', lookupReference: imageName } : undefined;
}

function fromDockerfile(
  dockerfile: AssetDockerfile,
  declared: { [name: string]: ImageDefaults } | undefined,
  context: { [image: string]: unknown } | undefined,
): ContainerImageDefaults | string {
  let content: string;
  try {
    content = fs.readFileSync(dockerfile.file, 'utf8');
  } catch (e) {
    return `is an asset image whose Dockerfile ${dockerfile.file} cannot be read (${(e as Error).message}); fix the asset's 'file', or declare the image defaults with imageDefaults`;
  }
  let read;
  try {
    read = readDockerfileDefaults(content, { target: dockerfile.target, buildArgs: dockerfile.buildArgs });
  } catch (e) {
    if (!(e instanceof DockerfileError)) throw e;
    return `is an asset image whose Dockerfile ${dockerfile.file} cannot be read: ${e.message}`;
  }
  const source = `Dockerfile ${dockerfile.file} (stage ${read.stage})`;
  const known: ImageDefaults = { entryPoint: read.entryPoint, command: read.command };
  if ((known.entryPoint !== undefined && known.command !== undefined) || read.baseImage === undefined) {
    return { defaults: known, source };
  }
  // The Dockerfile leaves ENTRYPOINT or CMD to its external base image: ask the other sources about it.
  const base = findImageDefaults('', read.baseImage, declared, context);
  if (typeof base === 'string') return base;
  if (base === undefined) return { defaults: known, source, lookupReference: read.baseImage };
  const merged: ImageDefaults = {
    entryPoint: known.entryPoint ?? base.defaults.entryPoint,
    command: known.command ?? base.defaults.command,
  };
  const complete = merged.entryPoint !== undefined && merged.command !== undefined;
  return {
    defaults: merged,
    source: `${source}, with base image '${read.baseImage}' from ${base.source}`,
    lookupReference: complete ? undefined : read.baseImage,
    platform: base.platform,
    imageName: base.imageName,
  };
}

