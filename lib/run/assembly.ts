/**
 * Reads a cloud assembly (cdk.out) for `run`: the task definitions of its stacks, the one the user
 * names, and the Docker image assets its containers refer to. Files are read with a size bound and
 * every malformed input fails with one line naming the file.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The largest file read from a cloud assembly. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
/** How deep nested assemblies (stages) are followed. */
const MAX_DEPTH = 8;

/** A task definition found in a cloud assembly. */
export interface TaskCandidate {
  /** The stack's display name (`Stage/Stack` inside a stage). */
  readonly stack: string;
  readonly logicalId: string;
  /** The construct path (`aws:cdk:path` without `/Resource`), when the template records it. */
  readonly constructPath?: string;
  /** The resource's `Properties`. */
  readonly properties: { [key: string]: any };
  /** The directory of the assembly holding the stack. */
  readonly assemblyDir: string;
  /** The asset manifest files of the stack. */
  readonly assetManifests: string[];
}

/** A Docker image asset that `run` can build locally. */
export interface ImageAsset {
  /** The asset's hash (its image tag in the asset repository). */
  readonly hash: string;
  /** The build context directory. */
  readonly directory: string;
  readonly dockerFile?: string;
  readonly buildArgs: { [name: string]: string };
  readonly target?: string;
  readonly platform?: string;
}

/** A problem with the assembly or the selection; the message is one line for the user. */
export class AssemblyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssemblyError';
  }
}

function readJson(file: string): any {
  let stat;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new AssemblyError(`${file}: not found; synthesize first ('npx cdk synth') or point --cdk-out at the cloud assembly`);
  }
  if (!stat.isFile()) throw new AssemblyError(`${file}: not a file`);
  if (stat.size > MAX_FILE_BYTES) throw new AssemblyError(`${file}: ${stat.size} bytes is more than the ${MAX_FILE_BYTES} this command reads`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AssemblyError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

/** A file named by the assembly, which must stay inside the assembly directory. */
function inside(dir: string, name: unknown, what: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new AssemblyError(`${path.join(dir, 'manifest.json')}: ${what} is not a file name: ${JSON.stringify(name)}`);
  const file = path.resolve(dir, name);
  if (path.relative(path.resolve(dir), file).startsWith('..')) throw new AssemblyError(`${path.join(dir, 'manifest.json')}: ${what} ${JSON.stringify(name)} points outside the assembly`);
  return file;
}

/** Every task definition of every stack in the assembly at `dir` (nested assemblies included). */
export function findTasks(dir: string, depth = 0): TaskCandidate[] {
  const manifest = readJson(path.join(dir, 'manifest.json'));
  const artifacts = manifest?.artifacts;
  if (typeof artifacts !== 'object' || artifacts === null) throw new AssemblyError(`${path.join(dir, 'manifest.json')}: no artifacts; is this a cloud assembly?`);
  const found: TaskCandidate[] = [];
  for (const [id, artifact] of Object.entries<any>(artifacts)) {
    if (artifact?.type === 'cdk:cloud-assembly' && depth < MAX_DEPTH) {
      found.push(...findTasks(inside(dir, artifact.properties?.directoryName, `artifact ${id} directoryName`), depth + 1));
      continue;
    }
    if (artifact?.type !== 'aws:cloudformation:stack') continue;
    const template = readJson(inside(dir, artifact.properties?.templateFile, `artifact ${id} templateFile`));
    const assetManifests = (Array.isArray(artifact.dependencies) ? artifact.dependencies : [])
      .map((d: string) => artifacts[d])
      .filter((a: any) => a?.type === 'cdk:asset-manifest')
      .map((a: any) => inside(dir, a.properties?.file, `asset manifest of ${id}`));
    for (const [logicalId, resource] of Object.entries<any>(template?.Resources ?? {})) {
      if (resource?.Type !== 'AWS::ECS::TaskDefinition') continue;
      const cdkPath = resource.Metadata?.['aws:cdk:path'];
      found.push({
        stack: typeof artifact.displayName === 'string' ? artifact.displayName : id,
        logicalId,
        constructPath: typeof cdkPath === 'string' ? cdkPath.replace(/\/Resource$/, '') : undefined,
        properties: resource.Properties ?? {},
        assemblyDir: dir,
        assetManifests,
      });
    }
  }
  return found;
}

/** How a candidate is named to the user. */
export function describeTask(t: TaskCandidate): string {
  return `${t.constructPath ?? `${t.stack}/${t.logicalId}`}  (stack ${t.stack}, logical id ${t.logicalId})`;
}

/**
 * The task the user named: a construct path (`Stack/Service/TaskDef`, with or without
 * `/Resource`), `Stack/LogicalId`, or a logical id alone; nothing when the assembly holds only one.
 */
export function selectTask(tasks: TaskCandidate[], selector: string | undefined): TaskCandidate {
  if (tasks.length === 0) throw new AssemblyError('the cloud assembly has no AWS::ECS::TaskDefinition');
  const list = () => tasks.map(t => `  ${describeTask(t)}`).join('\n');
  if (selector === undefined) {
    if (tasks.length === 1) return tasks[0];
    throw new AssemblyError(`the cloud assembly has ${tasks.length} task definitions; name one:\n${list()}`);
  }
  const wanted = selector.replace(/\/Resource$/, '');
  const matches = tasks.filter(t => t.constructPath === wanted || `${t.stack}/${t.logicalId}` === wanted || t.logicalId === wanted);
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) throw new AssemblyError(`'${selector}' names ${matches.length} task definitions; name one by its path:\n${matches.map(t => `  ${describeTask(t)}`).join('\n')}`);
  throw new AssemblyError(`no task definition '${selector}' in the cloud assembly; its task definitions:\n${list()}`);
}

/**
 * The Docker image assets among the task's container images, by container name: a container whose
 * `Image` is the `Fn::Sub` that CDK writes for an image asset (`...container-assets...:<hash>`).
 */
export function imageAssets(task: TaskCandidate): { [container: string]: ImageAsset } {
  const assets: { [hash: string]: { source: any; destinations: string[] } } = {};
  for (const file of task.assetManifests) {
    const manifest = readJson(file);
    for (const [hash, asset] of Object.entries<any>(manifest?.dockerImages ?? {})) {
      const destinations = Object.values<any>(asset?.destinations ?? {})
        .filter(d => typeof d?.repositoryName === 'string' && typeof d?.imageTag === 'string')
        .map(d => `/${d.repositoryName}:${d.imageTag}`);
      assets[hash] = { source: asset?.source ?? {}, destinations };
    }
  }
  const found: { [container: string]: ImageAsset } = {};
  for (const c of task.properties.ContainerDefinitions ?? []) {
    const sub = c?.Image?.['Fn::Sub'];
    if (typeof sub !== 'string') continue;
    const match = Object.entries(assets).find(([, a]) => a.destinations.some(d => sub.endsWith(d)));
    if (!match) continue;
    const [hash, { source }] = match;
    const where = `container '${c.Name}': image asset ${hash}`;
    if (typeof source.directory !== 'string') throw new AssemblyError(`${where} is built by a program (executable), which run does not do; build it yourself and give it with --image ${c.Name}=REF`);
    for (const key of ['dockerBuildSsh', 'dockerBuildSecrets', 'dockerBuildContexts']) {
      if (source[key] !== undefined) throw new AssemblyError(`${where} uses ${key}, which run does not pass to a build; build it yourself and give it with --image ${c.Name}=REF`);
    }
    found[c.Name] = {
      hash,
      directory: inside(task.assemblyDir, source.directory, `${where} directory`),
      dockerFile: typeof source.dockerFile === 'string' ? source.dockerFile : undefined,
      buildArgs: Object.fromEntries(Object.entries<any>(source.dockerBuildArgs ?? {}).filter(([, v]) => typeof v === 'string')),
      target: typeof source.dockerBuildTarget === 'string' ? source.dockerBuildTarget : undefined,
      platform: typeof source.platform === 'string' ? source.platform : undefined,
    };
  }
  return found;
}

/** The engine arguments that build an image asset with the given tag. */
export function buildArgs(asset: ImageAsset, tag: string): string[] {
  const file = path.join(asset.directory, asset.dockerFile ?? 'Dockerfile');
  if (path.relative(asset.directory, path.resolve(file)).startsWith('..')) throw new AssemblyError(`image asset ${asset.hash}: dockerFile ${asset.dockerFile} points outside its directory`);
  return [
    'build', '-t', tag, '-f', file,
    ...Object.entries(asset.buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
    ...(asset.target ? ['--target', asset.target] : []),
    ...(asset.platform ? ['--platform', asset.platform] : []),
    asset.directory,
  ];
}
