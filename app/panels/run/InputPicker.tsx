import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { synthetic, type RgbaImage, type SyntheticKind } from '../../../src/input/index.ts';
import { loadPicture, paintImage, pixelsOf } from './image-io.ts';

/** A sample listed in public/samples/index.json. */
interface Sample {
  readonly file: string;
  readonly label: string;
  readonly labelIndex: number;
}

/** Where the current picture came from, for the caption (and tests). */
export interface PictureSource {
  readonly kind: 'sample' | 'upload' | 'webcam' | 'synthetic';
  readonly name: string;
  /** Expected class, for samples. */
  readonly label?: string;
}

export interface InputPickerProps {
  readonly onPicture: (img: RgbaImage, source: PictureSource) => void;
  /** The model's view of the current picture (resized, grey for one channel). */
  readonly view?: RgbaImage;
  readonly source?: PictureSource;
  readonly size: { readonly width: number; readonly height: number };
}

/** Picks the picture the model runs on: shipped samples, a file, the webcam, or a synthetic probe. */
export function InputPicker({ onPicture, view, source, size }: InputPickerProps) {
  const { t } = useTranslation();
  const [samples, setSamples] = useState<readonly Sample[]>([]);
  // Until the sample list has arrived (or failed), there is no reason to fall back to a synthetic input.
  const [samplesSettled, setSamplesSettled] = useState(false);
  const [error, setError] = useState<string>();
  const [camera, setCamera] = useState<MediaStream>();
  const [dragging, setDragging] = useState(false);
  const videoRef = useRef<HTMLVideoElement>(null);
  const viewRef = useRef<HTMLCanvasElement>(null);
  // The default sample arrives asynchronously; it must not replace a picture the user already picked.
  const sourceRef = useRef(source);
  sourceRef.current = source;

  useEffect(() => {
    let alive = true;
    const settle = () => alive && setSamplesSettled(true);
    fetch('samples/index.json')
      .then((r) => (r.ok ? (r.json() as Promise<Sample[]>) : []))
      .then(async (list) => {
        if (!alive) return;
        setSamples(list);
        const first = list[0];
        if (first && !sourceRef.current) {
          const img = await loadPicture(`samples/${first.file}`);
          if (alive && !sourceRef.current) onPicture(img, { kind: 'sample', name: first.file, label: first.label });
        }
      })
      .catch(() => undefined)
      .finally(settle);
    return () => {
      alive = false;
    };
    // Once: the first sample becomes the default input.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    // No sample could be shown (none shipped, or it failed to load): start from a gradient so the
    // model still runs. Never on a timer: a slow network must not replace the first sample.
    if (source || !samplesSettled) return;
    onPicture(synthetic('gradient', size.width, size.height), { kind: 'synthetic', name: 'gradient' });
  }, [source, samplesSettled, size.width, size.height, onPicture]);

  useEffect(() => {
    if (viewRef.current && view) paintImage(viewRef.current, view);
  }, [view]);

  useEffect(() => {
    if (videoRef.current && camera) videoRef.current.srcObject = camera;
    return () => camera?.getTracks().forEach((t) => t.stop());
  }, [camera]);

  const pickFile = useCallback(
    async (file: File | undefined) => {
      if (!file) return;
      try {
        setError(undefined);
        onPicture(await loadPicture(file), { kind: 'upload', name: file.name });
      } catch (e) {
        setError(t('run.input.notDecodable', { file: file.name, message: (e as Error).message }));
      }
    },
    [onPicture, t],
  );

  const startCamera = async () => {
    try {
      setError(undefined);
      setCamera(await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } }));
    } catch (e) {
      setError(t('run.input.webcamUnavailable', { message: (e as Error).message }));
    }
  };
  const snap = () => {
    const v = videoRef.current;
    if (v && v.videoWidth) onPicture(pixelsOf(Object.assign(v, { width: v.videoWidth, height: v.videoHeight })), { kind: 'webcam', name: t('run.input.webcamFrame') });
  };

  return (
    <div
      className={`run-input${dragging ? ' run-dragging' : ''}`}
      data-testid="run.input"
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        void pickFile(e.dataTransfer.files[0]);
      }}
    >
      <div className="run-input-view">
        <canvas ref={viewRef} data-testid="run.input.view" title={t('run.input.modelSees')} />
        <div className="run-caption" data-testid="run.input.source">
          {source ? `${source.kind === 'synthetic' ? t(`run.input.synthetic.${source.name}`, { defaultValue: source.name }) : source.name}${source.label ? ` (${source.label})` : ''}` : t('run.input.noInput')}
          <br />
          <span className="run-dim">{t('run.input.modelSize', { width: size.width, height: size.height })}</span>
        </div>
      </div>
      {samples.length > 0 && (
        <div className="run-samples" role="list">
          {samples.map((s, i) => (
            <button
              key={s.file}
              type="button"
              role="listitem"
              className={source?.name === s.file ? 'run-on' : ''}
              data-testid={`run.input.sample.${i}`}
              title={s.label}
              onClick={() => void loadPicture(`samples/${s.file}`).then((img) => onPicture(img, { kind: 'sample', name: s.file, label: s.label }))}
            >
              <img src={`samples/${s.file}`} alt={s.label} width={28} height={28} />
            </button>
          ))}
        </div>
      )}
      <div className="run-row">
        <label className="run-button">
          {t('run.input.upload')}
          <input type="file" accept="image/*" data-testid="run.input.upload" hidden onChange={(e) => void pickFile(e.target.files?.[0])} />
        </label>
        {(['noise', 'constant', 'gradient'] as SyntheticKind[]).map((k) => (
          <button key={k} type="button" className="run-button" data-testid={`run.input.synthetic.${k}`} onClick={() => onPicture(synthetic(k, size.width, size.height, { seed: Date.now() & 0xffff }), { kind: 'synthetic', name: k })}>
            {t(`run.input.synthetic.${k}`)}
          </button>
        ))}
        {camera ? (
          <>
            <button type="button" className="run-button" data-testid="run.input.webcam.snap" onClick={snap}>
              {t('run.input.capture')}
            </button>
            <button type="button" className="run-button" onClick={() => setCamera(undefined)}>
              {t('run.input.stop')}
            </button>
          </>
        ) : (
          <button type="button" className="run-button" data-testid="run.input.webcam" disabled={!navigator.mediaDevices?.getUserMedia} onClick={() => void startCamera()}>
            {t('run.input.webcam')}
          </button>
        )}
      </div>
      {camera && <video ref={videoRef} autoPlay muted playsInline className="run-video" />}
      <div className="run-dim">{t('run.input.drop')}</div>
      {error && (
        <div className="run-error" role="alert" data-testid="run.input.error">
          {error}
        </div>
      )}
    </div>
  );
}
