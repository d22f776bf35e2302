import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { labelSource, topK } from '../../../src/input/index.ts';
import type { LabelSet } from '../../../src/index.ts';

const nameCache = new Map<string, Promise<readonly string[] | undefined>>();

/** Class names of a label set (fetched once from public/labels, or built in). */
export function useLabelNames(set: LabelSet | undefined): readonly string[] | undefined {
  const src = labelSource(set);
  const [names, setNames] = useState<readonly string[] | undefined>(src.names);
  useEffect(() => {
    const s = labelSource(set);
    if (s.names || !s.url) {
      setNames(s.names);
      return;
    }
    let alive = true;
    let p = nameCache.get(s.url);
    if (!p) {
      p = fetch(s.url)
        .then((r) => (r.ok ? (r.json() as Promise<string[]>) : undefined))
        .catch(() => undefined);
      nameCache.set(s.url, p);
    }
    void p.then((n) => alive && setNames(n));
    return () => {
      alive = false;
    };
  }, [set]);
  return names;
}

/** Top-k classes with probability bars, and the raw logits on demand. */
export function Predictions({ logits, names, k = 5 }: { logits: Float32Array; names: readonly string[] | undefined; k?: number }) {
  const { t } = useTranslation();
  const top = topK(logits, Math.min(k, logits.length), names);
  return (
    <div className="run-predictions">
      <ol className="run-top" data-testid="run.top">
        {top.map((p, i) => (
          <li key={p.index} data-testid={`run.top.${i}`} data-class={p.index}>
            <span className="run-label" data-testid={i === 0 ? 'run.prediction' : undefined}>
              {p.label}
            </span>
            <span className="run-bar">
              <span style={{ width: `${(p.probability * 100).toFixed(1)}%` }} />
            </span>
            <span className="run-prob">{(p.probability * 100).toFixed(1)}%</span>
          </li>
        ))}
      </ol>
      <details className="run-logits">
        <summary>{t('run.predictions.rawLogits', { n: logits.length })}</summary>
        <code data-testid="run.logits" data-values={JSON.stringify(Array.from(logits))}>{Array.from(logits.slice(0, 1000), (v) => v.toFixed(4)).join(', ')}</code>
      </details>
    </div>
  );
}
