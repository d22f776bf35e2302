import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { buildTemplate, figureColumn, figureSvg, PAPER_COLUMNS } from '../../src/index.ts';
import { useAnalysis, useEditor } from '../store/context.tsx';
import { useTeaching, useTeachingStore } from './context.tsx';

/** Downloads a blob under a file name. */
function download(blob: Blob, file: string) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = file;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** Rasterises an SVG in the browser at `scale` device pixels per SVG pixel. */
export async function svgToPngBlob(svg: string, scale: number): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(img.naturalWidth * scale);
    canvas.height = Math.round(img.naturalHeight * scale);
    const ctx = canvas.getContext('2d')!;
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0);
    return await new Promise<Blob>((ok, fail) => canvas.toBlob((b) => (b ? ok(b) : fail(new Error('toBlob gave nothing'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * The figure view: the open network drawn as the ResNet paper's figure (or the paper's three
 * networks), with SVG and PNG (2×, 4×) export. The figure is black on white in both themes, as it
 * will be printed.
 */
export function FigureView() {
  const { t } = useTranslation();
  const teaching = useTeachingStore();
  const mode = useTeaching((s) => s.figure);
  const doc = useEditor((s) => s.doc);
  const analysis = useAnalysis();
  const svg = useMemo(() => {
    if (mode === 'none') return '';
    const strings = { outputSize: (size: string) => t('teach.outputSize', { size }) };
    const columns = mode === 'paper' ? PAPER_COLUMNS.map((c) => figureColumn(buildTemplate(c.template)!, t(`teach.paperTitles.${c.template}`))) : [figureColumn(doc, doc.name, analysis)];
    return figureSvg(columns, { strings });
  }, [mode, doc, analysis, t]);
  if (mode === 'none') return null;
  const base = mode === 'paper' ? 'resnet-paper-figure' : `${doc.name.replace(/[^\w.-]+/g, '-') || 'network'}-figure`;
  return (
    <div className="modal-backdrop" onClick={() => teaching.getState().setFigure('none')}>
      <div className="modal figure-modal" role="dialog" aria-label={t('teach.figureTitle')} data-testid="figure.view" data-mode={mode} onClick={(e) => e.stopPropagation()}>
        <div className="modal-head figure-head">
          <h2>{t('teach.figureTitle')}</h2>
          <div className="seg" role="group">
            <button aria-pressed={mode === 'network'} onClick={() => teaching.getState().setFigure('network')} data-testid="figure.mode.network">
              {t('teach.figureNetwork')}
            </button>
            <button aria-pressed={mode === 'paper'} onClick={() => teaching.getState().setFigure('paper')} data-testid="figure.mode.paper">
              {t('teach.figurePaper')}
            </button>
          </div>
          <span className="grow" />
          <button onClick={() => download(new Blob([svg], { type: 'image/svg+xml' }), `${base}.svg`)} data-testid="figure.export.svg">
            {t('teach.exportSvg')}
          </button>
          {[2, 4].map((scale) => (
            <button key={scale} onClick={() => void svgToPngBlob(svg, scale).then((b) => download(b, `${base}@${scale}x.png`))} data-testid={`figure.export.png${scale}`}>
              {t('teach.exportPng', { scale })}
            </button>
          ))}
          <button onClick={() => teaching.getState().setFigure('none')} data-testid="figure.close">
            {t('teach.close')}
          </button>
        </div>
        <p className="figure-note">{t('teach.figureNote')}</p>
        {/* Our own SVG: every text in it is escaped by figureSvg. */}
        <div className="figure-paper" data-testid="figure.paper" dangerouslySetInnerHTML={{ __html: svg }} />
      </div>
    </div>
  );
}
