// Makes the lesion study's two documents from the nets scripts/py/lesion_study.py trained:
// .cache/lesion/{resnet20,plain20}.safetensors (torch state_dicts) -> public/models/
// lesion-{resnet20,plain20}.project.json (the editable documents, laid out top-down, their
// `weights.uri` pointing at) lesion-{resnet20,plain20}.weights.safetensors (the weights bound to
// their layers). The architectures are src/lesion/nets.ts's, so the names agree by construction;
// every layer must end up with trained weights, or this fails.
//   /usr/bin/python3 scripts/py/lesion_study.py train && npx tsx scripts/make-lesion-models.ts
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { layoutDocument } from '../app/canvas/layout.ts';
import { adoptStateDict, analyze, compile, decodeSafetensors, encodeSafetensors, moveNodes, serializeDocument, type ResidualDocument } from '../src/index.ts';
import { lesionPlain20, lesionResnet20 } from '../src/lesion/nets.ts';

const root = new URL('../', import.meta.url);
const card = JSON.parse(readFileSync(new URL('public/models/lesion-study.json', root), 'utf8')) as { nets: Record<string, { study: { intact: { accuracy: number } } }> };

async function make(kind: 'resnet' | 'plain', arch: ResidualDocument) {
  const file = `lesion-${kind}20`;
  const decoded = decodeSafetensors(readFileSync(new URL(`.cache/lesion/${kind}20.safetensors`, root)));
  if (!decoded.store) throw new Error(`${kind}: ${decoded.diagnostics[0]?.message}`);
  const { weights, diagnostics } = adoptStateDict(arch, decoded.store);
  if (diagnostics.length) throw new Error(`${kind}: the trained state_dict does not fit the document: ${diagnostics.map((d) => d.message).join('; ')}`);
  const bytes = encodeSafetensors(weights, { source: 'scripts/py/lesion_study.py', heldOutAccuracy: String(card.nets[kind]?.study.intact.accuracy ?? '') });
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const withWeights = { ...arch, weights: { uri: `/models/${file}.weights.safetensors`, sha256 } };
  const doc = moveNodes(withWeights, await layoutDocument(withWeights, 'TB'));
  const a = analyze(doc);
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`${kind}: the document has errors: ${errors[0]!.message}`);
  const sources = new Set(compile(doc, { weights, analysis: a }).weightSources.values());
  if (sources.size !== 1 || !sources.has('trained')) throw new Error(`${kind}: not every layer uses the trained weights: ${[...sources].join(', ')}`);
  writeFileSync(new URL(`public/models/${file}.weights.safetensors`, root), bytes);
  writeFileSync(new URL(`public/models/${file}.project.json`, root), serializeDocument(doc));
  console.log(`${file}: ${a.totals.params} params, weights ${bytes.length} bytes (${sha256.slice(0, 12)})`);
}

await make('resnet', lesionResnet20());
await make('plain', lesionPlain20());
