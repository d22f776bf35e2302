import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useShallow } from 'zustand/react/shallow';
import { checkParamRef, fmtShape, getOp, invertedResidualNoShortcut, instancesOf, userBlockDef, type BlockLibrary, type Diagnostic, type GraphNode, type GroupRef, type MessageRef, type ParamSpec, type ParamValue, type UserBlockDef } from '../../src/index.ts';
import { opLabel } from '../canvas/op-label.ts';
import { useRelayoutAfter } from '../canvas/useRelayout.ts';
import { useUpdateDefinition } from '../canvas/useUpdateDefinition.ts';
import { diagnosticText, fixText, translateMessage } from '../i18n/diagnostics.ts';
import { noShortcutText, shortcutText } from '../i18n/shortcut.ts';
import { fmtCount } from '../format.ts';
import { useAnalysis, useEditor, useEditorStore } from '../store/context.tsx';

/** One validated field: the value is committed only when the op's ParamSpec accepts it. */
function Field({ spec, value, onCommit, label }: { spec: ParamSpec; value: ParamValue | undefined; onCommit: (v: ParamValue) => void; label: string }) {
  const [text, setText] = useState(String(value ?? spec.default));
  const { t } = useTranslation();
  const [error, setError] = useState<MessageRef | undefined>();
  useEffect(() => {
    setText(String(value ?? spec.default));
    setError(undefined);
  }, [value, spec.default]);
  const id = `inspector.field.${spec.name}`;
  const commit = (raw: string | boolean) => {
    let v: ParamValue;
    if (spec.type === 'int' || spec.type === 'float') v = raw === '' ? NaN : Number(raw);
    else v = raw;
    const problem = checkParamRef(spec, v);
    setError(problem);
    if (!problem && v !== value) onCommit(v);
  };
  let input;
  if (spec.type === 'bool') input = <input id={id} type="checkbox" checked={Boolean(value ?? spec.default)} onChange={(e) => commit(e.target.checked)} data-testid={id} />;
  else if (spec.type === 'enum')
    input = (
      <select id={id} value={String(value ?? spec.default)} onChange={(e) => commit(e.target.value)} data-testid={id}>
        {spec.options.map((o) => (
          <option key={o} value={o}>
            {t(`option.${spec.name}.${o}`, { defaultValue: o })}
          </option>
        ))}
      </select>
    );
  else
    input = (
      <input
        id={id}
        type={spec.type === 'string' ? 'text' : 'number'}
        value={text}
        {...(spec.type !== 'string' && 'min' in spec && spec.min !== undefined ? { min: spec.min } : {})}
        {...(spec.type !== 'string' && 'max' in spec && spec.max !== undefined ? { max: spec.max } : {})}
        step={spec.type === 'float' ? 'any' : 1}
        onChange={(e) => {
          setText(e.target.value);
          commit(e.target.value);
        }}
        aria-invalid={error ? true : undefined}
        data-testid={id}
      />
    );
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {input}
      {error && (
        <span className="field-error" data-testid={`${id}.error`}>
          {translateMessage(t, error)}
        </span>
      )}
    </div>
  );
}

function NodeInspector({ node }: { node: GraphNode }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const analysis = useAnalysis();
  const info = analysis.nodes.get(node.id);
  const diags = analysis.diagnostics.filter((d) => d.nodeId === node.id);
  const [name, setName] = useState(node.name);
  useEffect(() => setName(node.name), [node.name]);
  const library = useEditor((s) => s.doc.blocks);
  const def = getOp(node.op, library);
  const user = userBlockDef(node.op, library);
  const instances = useEditor((s) => (user ? instancesOf(s.doc, user.id).length : 0));
  const owner = ownerInstance(node, library);
  const relayoutAfter = useRelayoutAfter();
  const updateDefinition = useUpdateDefinition();
  return (
    <div data-testid="inspector.node">
      <div className="field">
        <label>{t('inspector.op')}</label>
        <span className="value" data-testid="inspector.op">
          {opLabel(t, node.op, library)}
          {user && <span className="muted"> · {t('ublock.kind')}</span>}
        </span>
      </div>
      <div className="field">
        <label htmlFor="inspector.field.name">{t('inspector.name')}</label>
        <input
          id="inspector.field.name"
          data-testid="inspector.field.name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          onBlur={() => name.trim() && name !== node.name && store.getState().rename(node.id, name.trim())}
          onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
        />
      </div>
      {def.params.map((spec) => (
        <Field key={spec.name} spec={spec} value={node.params[spec.name]} label={t(`param.${spec.name}`, { defaultValue: spec.name })} onCommit={(v) => store.getState().setParams(node.id, { [spec.name]: v })} />
      ))}
      {user && (
        <div className="user-block-actions" data-testid="inspector.userBlock">
          <p className="muted">
            {t('ublock.instances', { n: instances })} {t('ublock.editHint', { name: user.name })}
          </p>
          <button onClick={() => relayoutAfter(() => store.getState().detach(node.id))} title={t('ublock.detachHint', { name: user.name })} data-testid="inspector.detach">
            {t('ublock.detach')}
          </button>
        </div>
      )}
      {owner && (
        <div className="user-block-actions" data-testid="inspector.memberOf">
          <p className="muted">{t('ublock.memberOf', { instance: owner.ref.name, name: owner.def.name })}</p>
          <button onClick={() => updateDefinition(owner.ref.id)} data-testid="inspector.updateDefinition">
            ✓ {t('ublock.update')}
          </button>
        </div>
      )}
      <h3>{t('inspector.shapes')}</h3>
      <dl className="facts">
        <dt>{t('inspector.inShape')}</dt>
        <dd data-testid="inspector.inShape">{info?.inputShapes.map((s) => (s ? fmtShape(s) : '?')).join(', ') || '—'}</dd>
        <dt>{t('inspector.outShape')}</dt>
        <dd data-testid="inspector.outShape">{info?.outputShapes[0] ? fmtShape(info.outputShapes[0]) : '—'}</dd>
        <dt>{t('inspector.cost')}</dt>
        <dd>
          {t('card.params', { v: fmtCount(info?.cost.params ?? 0) })} · {t('card.macs', { v: fmtCount(info?.cost.macs ?? 0) })}
        </dd>
        {info?.shortcut && (
          <>
            <dt>{t('inspector.shortcut')}</dt>
            <dd data-testid="inspector.shortcut">
              {t(`shortcut.${info.shortcut.kind}`)} ({shortcutText(t, info.shortcut)})
            </dd>
          </>
        )}
        {!info?.shortcut && node.op === 'InvertedResidual' && info?.inputShapes[0] && invertedResidualNoShortcut(node.params, info.inputShapes[0][0]!) && (
          <>
            <dt>{t('inspector.shortcut')}</dt>
            <dd data-testid="inspector.shortcut">{t('inspector.noShortcut', { why: noShortcutText(t, invertedResidualNoShortcut(node.params, info.inputShapes[0][0]!)!, 'inspector') })}</dd>
          </>
        )}
      </dl>
      {diags.length > 0 && (
        <>
          <h3>{t('inspector.diagnostics')}</h3>
          <ul className="diag-list">
            {diags.map((d, i) => (
              <li key={i} className={`sev-${d.severity}`}>
                <b>{d.code}</b> {diagnosticText(t, d)}
                {d.fix && (
                  <button onClick={() => store.getState().fix(d.fix!)} data-testid="inspector.fix">
                    {t('card.fix', { label: fixText(t, d.fix) })}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

/** The innermost expanded user block instance a layer belongs to, with its definition. */
function ownerInstance(node: GraphNode, library: BlockLibrary): { ref: GroupRef; def: UserBlockDef } | undefined {
  for (let g = node.group; g; g = g.parent) {
    const def = userBlockDef(g.kind, library);
    if (def) return { ref: g, def };
  }
  return undefined;
}

/** Names the selected layers' block type and makes it; a refusal says why, in the UI language. */
function MakeBlockForm() {
  const { t } = useTranslation();
  const store = useEditorStore();
  const relayoutAfter = useRelayoutAfter();
  const taken = useEditor((s) => (s.doc.blocks ?? []).map((b) => b.name).join('|'));
  const [name, setName] = useState('');
  const [refusal, setRefusal] = useState<Diagnostic | undefined>();
  const suggested = (() => {
    const used = new Set(taken.split('|'));
    for (let i = 1; ; i++) if (!used.has(i === 1 ? 'MyBlock' : `MyBlock${i}`)) return i === 1 ? 'MyBlock' : `MyBlock${i}`;
  })();
  const make = () => relayoutAfter(() => setRefusal(store.getState().makeBlockFromSelection(name.trim() || suggested)));
  return (
    <div className="make-block" data-testid="inspector.makeBlock">
      <h3>{t('ublock.make')}</h3>
      <p className="muted">{t('ublock.makeHint')}</p>
      <div className={`field${refusal ? ' invalid' : ''}`}>
        <label htmlFor="inspector.field.blockName">{t('ublock.nameLabel')}</label>
        <input id="inspector.field.blockName" data-testid="inspector.field.blockName" value={name} placeholder={suggested} onChange={(e) => setName(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && make()} />
        {refusal && (
          <span className="field-error" data-testid="inspector.makeBlock.error">
            {diagnosticText(t, refusal)}
          </span>
        )}
      </div>
      <button className="primary" onClick={make} data-testid="inspector.makeBlock.go">
        {t('ublock.make')}
      </button>
    </div>
  );
}

const intSpec = (name: string, min: number, max: number, def: number): ParamSpec => ({ name, type: 'int', default: def, min, max });

function ModelSettings() {
  const { t } = useTranslation();
  const store = useEditorStore();
  const d = useEditor(useShallow((s) => ({ input: s.doc.input, pe: s.doc.projectionEverywhere, zi: s.doc.zeroInitResidual, seed: s.doc.seed, opset: s.doc.opset })));
  return (
    <div data-testid="inspector.model">
      <h3>{t('inspector.model')}</h3>
      <div className="field-row">
        <span className="row-label">{t('inspector.input')}</span>
        {(['channels', 'height', 'width'] as const).map((k) => (
          <Field key={k} spec={intSpec(`input.${k}`, 1, 4096, d.input[k])} value={d.input[k]} label={t(`inspector.${k}`)} onCommit={(v) => store.getState().setInputSpec({ ...store.getState().doc.input, [k]: Number(v) })} />
        ))}
      </div>
      <Field spec={{ name: 'projectionEverywhere', type: 'bool', default: false }} value={d.pe} label={t('inspector.projectionEverywhere')} onCommit={(v) => store.getState().setDocSettings({ projectionEverywhere: Boolean(v) })} />
      <Field spec={{ name: 'zeroInitResidual', type: 'bool', default: false }} value={d.zi} label={t('inspector.zeroInitResidual')} onCommit={(v) => store.getState().setDocSettings({ zeroInitResidual: Boolean(v) })} />
      <Field spec={intSpec('seed', 0, 2 ** 31 - 1, 0)} value={d.seed} label={t('inspector.seed')} onCommit={(v) => store.getState().setDocSettings({ seed: Number(v) })} />
      <Field spec={intSpec('opset', 13, 21, 17)} value={d.opset} label={t('inspector.opset')} onCommit={(v) => store.getState().setDocSettings({ opset: Number(v) })} />
    </div>
  );
}

/** The inspector: validated fields of the selected node (or edge), then the model settings. */
export function Inspector() {
  const { t } = useTranslation();
  const store = useEditorStore();
  const sel = useEditor(useShallow((s) => ({ nodes: s.selection.nodes, edge: s.selection.edge })));
  const node = useEditor((s) => (s.selection.nodes.length === 1 ? s.doc.nodes.find((n) => n.id === s.selection.nodes[0]) : undefined));
  const analysis = useAnalysis();
  return (
    <section className="inspector" data-testid="inspector">
      <h2>{t('inspector.title')}</h2>
      {node ? (
        <NodeInspector key={node.id} node={node} />
      ) : sel.nodes.length > 1 ? (
        <>
          <p className="muted">{t('inspector.multi', { n: sel.nodes.length })}</p>
          <MakeBlockForm key={sel.nodes.join(',')} />
        </>
      ) : sel.edge ? (
        <div data-testid="inspector.edge">
          <h3>{t('inspector.edge')}</h3>
          <p>
            {t('inspector.edgeShape')}: <b>{(() => { const s = analysis.edges.get(sel.edge); return s ? fmtShape(s) : '?'; })()}</b>
          </p>
          <button onClick={() => store.getState().removeEdge(sel.edge!)}>{t('inspector.deleteEdge')}</button>
        </div>
      ) : (
        <p className="muted">{t('inspector.none')}</p>
      )}
      <ModelSettings />
    </section>
  );
}
