import { FIGURE_TEXT } from '../../src/index.ts';

/** English text of the teaching tools (app/teaching/*, app/links/*): figure view, presenter mode, plain <-> residual, classroom links. */
export const teachEn = {
  figure: 'Figure',
  figureTitle: 'The paper’s figure',
  figureNetwork: 'This network',
  figurePaper: 'VGG-19, plain, residual (the paper)',
  /** The figure's own words (src/figure/strings.ts), shared with the CLI's --lang. */
  outputSize: FIGURE_TEXT.en.outputSize,
  paperTitles: FIGURE_TEXT.en.titles,
  exportSvg: 'Export SVG',
  exportPng: 'PNG {{scale}}×',
  close: 'Close',
  figureNote: 'Boxes are the layers with weights and the pools; BN and ReLU are left out, as in the paper. Solid arcs: identity shortcuts; dashed: shortcuts that change dimensions.',
  presenter: 'Present',
  presenterExit: 'Exit presenting',
  presenterHint: 'Select a block to see F(x), x and F(x) + x. ←/→ step the lesson; Esc leaves.',
  lessonStep: 'Step {{step}}',
  toPlain: 'Remove shortcuts',
  toResidual: 'Add shortcuts',
  toPlainTitle: 'Make the plain counterpart: every block keeps F(x) and loses its shortcut (undo brings it back)',
  toResidualTitle: 'Make the residual counterpart: blocks come back with their shortcuts',
  madePlain: 'Plain counterpart: {{n}} shortcuts removed; the layers kept their weights.',
  madeResidual: 'Residual counterpart: {{n}} blocks with shortcuts.',
  nothingToToggle: 'Nothing to change: no shortcuts, and no layer chains named like a block’s (layer1.0.conv1, .bn1, …).',
  share: 'Share link',
  shareTitle: 'Classroom link',
  shareIntro: 'The link holds this network, the view and the lesson step. Nothing is uploaded: it all travels in the link itself.',
  shareView: 'Open in',
  shareViewEditor: 'the editor',
  shareViewFigure: 'the figure of this network',
  shareViewPaper: 'the paper’s figure',
  sharePresenter: 'presenter mode',
  shareControls: 'Controls for the class',
  shareShown: 'shown',
  shareHidden: 'hidden',
  shareLocked: 'locked',
  shareCopy: 'Copy link',
  shareCopied: 'Link copied.',
  shareWeights: 'Trained weights are not in the link: the class gets the architecture with fresh weights.',
  shareTooLarge: 'This network is too large for a link ({{length}} characters; a link holds up to {{limit}}). Share the project file instead.',
  shareSaveFile: 'Save the file',
  control: { palette: 'Palette', inspector: 'Inspector', run: 'Run panel', templates: 'Templates', open: 'Open', save: 'Save', export: 'Export ONNX', exportPyTorch: 'Export PyTorch', compare: 'Compare', plainToggle: 'Add/remove shortcuts', figure: 'Figure', presenter: 'Present', share: 'Share link' },
  linkName: 'classroom link',
  refused: {
    notALink: 'This link is not a Residual Studio classroom link. Nothing was changed.',
    corrupt: 'This classroom link is damaged ({{detail}}), perhaps cut short when it was copied. Nothing was changed.',
    newer: 'This classroom link was made by a newer Residual Studio (link version {{version}}; this one reads version 1). Nothing was changed: open it in an up-to-date Residual Studio.',
    invalid: 'This classroom link cannot be read ({{detail}}). Nothing was changed.',
    document: 'The network in this classroom link is not valid: {{message}}. Nothing was changed.',
  },
  opened: 'Opened the classroom link.',
  editLocked: 'This classroom link locks the network: it cannot be changed or undone here.',
} as const;

type Widen<T> = { -readonly [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
/** Shape every translation of the teaching text must have. */
export type TeachResources = Widen<typeof teachEn>;
