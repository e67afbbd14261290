import { DEFAULT_POLICY, POLICY_PRESETS, POLICY_VALUES, type KernelPolicy, type PolicyInput, type PresetName } from '../index.js';
import { UsageError } from './args.js';

/**
 * Parses `--policy`: `before`, `after`, a preset name, `key=value` pairs, or a
 * comma-separated mix applied left to right (`linux-6.4,fgetRecheck=none`).
 */
export function parsePolicy(text: string, scenario: { before?: PolicyInput | undefined; after?: PolicyInput | undefined }): PolicyInput {
  const parts: Array<PresetName | Partial<KernelPolicy>> = [];
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (item === 'before' || item === 'after') {
      const p = scenario[item];
      if (p === undefined) throw new UsageError(`this scenario has no '${item}' policy`);
      parts.push(...(Array.isArray(p) ? (p as Array<PresetName | Partial<KernelPolicy>>) : [p as PresetName | Partial<KernelPolicy>]));
    } else if (item.includes('=')) {
      const eq = item.indexOf('=');
      const key = item.slice(0, eq);
      const raw = item.slice(eq + 1);
      if (!Object.hasOwn(DEFAULT_POLICY, key)) throw new UsageError(`unknown policy key '${key}' (known: ${Object.keys(DEFAULT_POLICY).join(', ')})`);
      const def = DEFAULT_POLICY[key as keyof KernelPolicy];
      let value: unknown = raw;
      if (typeof def === 'number') {
        value = Number(raw);
        if (raw.trim() === '' || !Number.isSafeInteger(value as number)) throw new UsageError(`policy ${key} needs an integer`);
      } else if (typeof def === 'boolean') {
        if (raw !== 'true' && raw !== 'false') throw new UsageError(`policy ${key} needs true or false`);
        value = raw === 'true';
      } else if (Object.hasOwn(POLICY_VALUES, key) && !POLICY_VALUES[key]!.includes(raw)) {
        throw new UsageError(`policy ${key} must be one of ${POLICY_VALUES[key]!.join(', ')}, got '${raw}'`);
      }
      parts.push({ [key]: value } as Partial<KernelPolicy>);
    } else if (Object.hasOwn(POLICY_PRESETS, item)) {
      parts.push(item as PresetName);
    } else {
      throw new UsageError(`unknown policy '${item}': use before, after, a preset (${Object.keys(POLICY_PRESETS).join(', ')}) or key=value`);
    }
  }
  return parts;
}
