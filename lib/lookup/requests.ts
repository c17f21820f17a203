/** The `lookup` command line as synthesis errors print it, and its parser. Pure. */

/** The command that reads an image's defaults from its registry, as synthesis errors print it. */
export function lookupCommand(platform: string, reference: string): string {
  return `npx cdk-enforced-fargate lookup --platform ${platform} ${reference}`;
}

/**
 * The image references (with their platform) that synthesis errors asked to look up, from the
 * text of a failed synthesis (the inverse of `lookupCommand`).
 */
export function lookupRequests(synthesisOutput: string): { platform: string; reference: string }[] {
  const seen = new Set<string>();
  const out: { platform: string; reference: string }[] = [];
  for (const m of synthesisOutput.matchAll(/npx cdk-enforced-fargate lookup --platform (\S+) ([^\s`'"]+)/g)) {
    const key = `${m[1]} ${m[2]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ platform: m[1], reference: m[2] });
  }
  return out;
}
