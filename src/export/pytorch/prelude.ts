/**
 * The fixed parts of an exported `model.py`: PyTorch modules the editor's ops and blocks map to
 * where `torch.nn` has none of its own, the residual blocks and the stage, and the safetensors
 * reader and writer. Each part is included only when the network uses it (with what it needs).
 */

/** A named piece of Python source, and the pieces it uses. */
interface Part {
  readonly needs?: readonly PartName[];
  readonly source: string;
}

/** The parts {@link preludeSource} can include. */
export type PartName = 'BatchNorm2d' | 'LayerNorm2d' | 'LayerScale' | 'StochasticDepth' | 'ConvNeXtBlock' | 'Clamp' | 'HardSigmoid' | 'ZeroPadShortcut' | 'make_shortcut' | 'BasicBlock' | 'Bottleneck' | 'Stage' | 'PlainBlock' | 'InvertedResidual';

const PARTS: Readonly<Record<PartName, Part>> = {
  BatchNorm2d: {
    source: `class BatchNorm2d(nn.BatchNorm2d):
    """nn.BatchNorm2d without the num_batches_tracked counter.

    The counter is read only when momentum is None; here momentum is 0.1, as in torch's default,
    and the ONNX file has no place for it, so leaving it out makes the state_dict hold exactly the
    ONNX file's weights.
    """

    def __init__(self, num_features, eps=1e-5):
        super().__init__(num_features, eps=eps)
        self.num_batches_tracked = None

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, *args):
        # A plain dict (read from safetensors) has no version: without this, torch adds the counter back.
        super()._load_from_state_dict(state_dict, prefix, {**local_metadata, "version": 2}, *args)
`,
  },
  LayerNorm2d: {
    source: `class LayerNorm2d(nn.LayerNorm):
    """Layer normalisation over the channels at each position of an N x C x H x W map (ConvNeXt's):
    nn.LayerNorm over C with the channels moved last and back."""

    def forward(self, x):
        x = F.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)
`,
  },
  LayerScale: {
    source: `class LayerScale(nn.Module):
    """ConvNeXt's layer scale: each channel times a learnable factor that starts tiny."""

    def __init__(self, shape, init=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.full(shape, init))

    def forward(self, x):
        return x * self.weight
`,
  },
  StochasticDepth: {
    source: `class StochasticDepth(nn.Module):
    """torchvision.ops.StochasticDepth(p, "row"): while training, drops each sample's residual branch with probability p."""

    def __init__(self, p, mode="row"):
        super().__init__()
        self.p, self.mode = p, mode

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        keep = torch.empty([x.shape[0]] + [1] * (x.dim() - 1), dtype=x.dtype, device=x.device).bernoulli_(1 - self.p)
        return x * keep / (1 - self.p)
`,
  },
  Clamp: {
    source: `class Clamp(nn.Module):
    """torch.clamp as a module (ONNX Clip): every value limited to [min, max]."""

    def __init__(self, min, max):
        super().__init__()
        self.min, self.max = min, max

    def forward(self, x):
        return torch.clamp(x, self.min, self.max)
`,
  },
  HardSigmoid: {
    source: `class HardSigmoid(nn.Module):
    """max(0, min(1, alpha * x + beta)): ONNX HardSigmoid with its own slope and offset (nn.Hardsigmoid is alpha 1/6, beta 1/2)."""

    def __init__(self, alpha, beta):
        super().__init__()
        self.alpha, self.beta = alpha, beta

    def forward(self, x):
        return torch.clamp(self.alpha * x + self.beta, 0.0, 1.0)
`,
  },
  ZeroPadShortcut: {
    source: `class ZeroPadShortcut(nn.Module):
    """The paper's option A shortcut, without parameters: keep every stride-th pixel, then pad the
    new channels with zeros, split evenly before and after (the CIFAR ResNets)."""

    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        extra = out_channels - in_channels
        self.stride = stride
        self.channels = (extra // 2, extra - extra // 2)

    def forward(self, x):
        x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, *self.channels))
`,
  },
  make_shortcut: {
    needs: ['BatchNorm2d', 'ZeroPadShortcut'],
    source: `def make_shortcut(kind, in_channels, out_channels, stride, batch_norm=True):
    """The shortcut of a residual block, as torchvision's \`downsample\` (None for the identity)."""
    if kind == "identity":
        # Identity shortcut (solid arc): x is added as it is; the dimensions already match.
        return None
    if kind == "projection":
        # Projection shortcut (dashed arc): a 1x1 convolution (with the block's stride) and BN
        # bring x to the block's output width and resolution.
        conv = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=not batch_norm)
        return nn.Sequential(conv, BatchNorm2d(out_channels)) if batch_norm else nn.Sequential(conv)
    if kind == "zero-pad":
        # Option A (dashed arc): subsample and pad the new channels with zeros, no parameters.
        return ZeroPadShortcut(in_channels, out_channels, stride)
    raise ValueError(f"unknown shortcut kind {kind!r}")
`,
  },
  BasicBlock: {
    needs: ['make_shortcut'],
    source: `class BasicBlock(nn.Module):
    """The basic residual block (ResNet-18/34, the CIFAR ResNets).

    F(x) is conv3x3 (stride) -> BN -> ReLU -> conv3x3 -> BN; the block outputs ReLU(F(x) + x),
    x coming through the shortcut. batch_norm=False: BN folded into the convolutions (they carry a bias).
    """

    expansion = 1

    def __init__(self, in_channels, width, stride=1, shortcut="identity", batch_norm=True):
        super().__init__()
        bn = BatchNorm2d if batch_norm else (lambda channels: nn.Identity())
        self.conv1 = nn.Conv2d(in_channels, width, kernel_size=3, stride=stride, padding=1, bias=not batch_norm)
        self.bn1 = bn(width)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(width, width, kernel_size=3, padding=1, bias=not batch_norm)
        self.bn2 = bn(width)
        self.downsample = make_shortcut(shortcut, in_channels, width, stride, batch_norm)

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))  # F(x)
        return self.relu(out + identity)
`,
  },
  Bottleneck: {
    needs: ['make_shortcut'],
    source: `class Bottleneck(nn.Module):
    """The bottleneck residual block (ResNet-50/101/152), stride on the 3x3 as torchvision's v1.5.

    F(x) is conv1x1 (reduce) -> BN -> ReLU -> conv3x3 (stride, in groups) -> BN -> ReLU -> conv1x1
    (expand to width * expansion) -> BN; the block outputs ReLU(F(x) + x). ResNeXt: the 3x3 in
    \`groups\` groups (the cardinality) of base_width * width / 64 channels; Wide ResNet: base_width
    128. Inside, the block is int(width * base_width / 64) * groups channels wide, as torchvision's.
    """

    expansion = 4

    def __init__(self, in_channels, width, stride=1, shortcut="identity", batch_norm=True, expansion=4, groups=1, base_width=64):
        super().__init__()
        out_channels = width * expansion
        inner = int(width * (base_width / 64.0)) * groups
        bn = BatchNorm2d if batch_norm else (lambda channels: nn.Identity())
        self.conv1 = nn.Conv2d(in_channels, inner, kernel_size=1, bias=not batch_norm)
        self.bn1 = bn(inner)
        self.conv2 = nn.Conv2d(inner, inner, kernel_size=3, stride=stride, padding=1, groups=groups, bias=not batch_norm)
        self.bn2 = bn(inner)
        self.conv3 = nn.Conv2d(inner, out_channels, kernel_size=1, bias=not batch_norm)
        self.bn3 = bn(out_channels)
        self.relu = nn.ReLU()
        self.downsample = make_shortcut(shortcut, in_channels, out_channels, stride, batch_norm)

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))  # F(x)
        return self.relu(out + identity)
`,
  },
  PlainBlock: {
    needs: ['BatchNorm2d'],
    source: `class PlainBlock(nn.Sequential):
    """A basic block without its shortcut (the paper's plain nets): conv3x3 (stride) -> BN -> ReLU -> conv3x3 -> BN -> ReLU."""

    def __init__(self, in_channels, width, stride=1):
        super().__init__(OrderedDict([
            ("conv1", nn.Conv2d(in_channels, width, kernel_size=3, stride=stride, padding=1, bias=False)),
            ("bn1", BatchNorm2d(width)),
            ("relu1", nn.ReLU()),
            ("conv2", nn.Conv2d(width, width, kernel_size=3, padding=1, bias=False)),
            ("bn2", BatchNorm2d(width)),
            ("relu", nn.ReLU()),
        ]))
`,
  },
  InvertedResidual: {
    needs: ['BatchNorm2d'],
    source: `class InvertedResidual(nn.Module):
    """MobileNetV2's inverted residual block, with torchvision's InvertedResidual module names.

    F(x) is conv1x1 (expand to in_channels * expansion; left out at expansion 1) -> BN -> ReLU6 ->
    depthwise conv3x3 (stride, one group per channel) -> BN -> ReLU6 -> conv1x1 (the linear
    projection to out_channels) -> BN, with no activation after it. Where stride is 1 and the widths
    match, the block outputs F(x) + x (identity shortcut); elsewhere it has no shortcut at all and
    outputs F(x) - x is never projected. batch_norm=False: BN folded into the convs (they carry a bias).
    """

    def __init__(self, in_channels, out_channels, stride=1, expansion=6, batch_norm=True):
        super().__init__()
        hidden = in_channels * expansion
        bn = BatchNorm2d if batch_norm else (lambda channels: nn.Identity())

        def conv_bn_relu6(cin, cout, kernel, stride=1, groups=1):
            conv = nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups, bias=not batch_norm)
            return nn.Sequential(conv, bn(cout), nn.ReLU6())

        layers = [] if expansion == 1 else [conv_bn_relu6(in_channels, hidden, 1)]
        layers.append(conv_bn_relu6(hidden, hidden, 3, stride, groups=hidden))
        layers.append(nn.Conv2d(hidden, out_channels, 1, bias=not batch_norm))
        if batch_norm:
            layers.append(BatchNorm2d(out_channels))
        self.conv = nn.Sequential(*layers)
        self.identity_shortcut = stride == 1 and in_channels == out_channels

    def forward(self, x):
        out = self.conv(x)  # F(x)
        return x + out if self.identity_shortcut else out
`,
  },
  Stage: {
    source: `class Stage(nn.Sequential):
    """count residual blocks of one kind and width (torchvision's layer1..layer4).

    The first block carries the stride, so it is the one that may change dimensions (its shortcut
    projects or zero-pads); the rest keep them (\`rest\`: their shortcut, identity unless every
    block projects). \`block_args\` go to every block (a bottleneck's groups and base_width).
    """

    def __init__(self, block, in_channels, width, count, stride=1, shortcut="identity", rest="identity", batch_norm=True, **block_args):
        out_channels = width * block.expansion
        blocks = [block(in_channels, width, stride, shortcut, batch_norm, **block_args)]
        blocks += [block(out_channels, width, 1, rest, batch_norm, **block_args) for _ in range(count - 1)]
        super().__init__(*blocks)
`,
  },
  ConvNeXtBlock: {
    needs: ['LayerNorm2d', 'LayerScale', 'StochasticDepth'],
    source: `class CNBlock(nn.Module):
    """The ConvNeXt block: depthwise 7x7, LayerNorm, 1x1 to 4x, GELU, 1x1 back, layer scale, + x.

    Module names are torchvision's CNBlock's; its channels-last Linears are 1x1 convs here (the same
    map), and block.1 stands where torchvision permutes to channels-last.
    """

    def __init__(self, dim, layer_scale=1e-6, stochastic_depth=0.0):
        super().__init__()
        self.block = nn.Sequential(
            nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim),
            nn.Identity(),
            LayerNorm2d(dim, eps=1e-6),
            nn.Conv2d(dim, 4 * dim, kernel_size=1),
            nn.GELU(),
            nn.Conv2d(4 * dim, dim, kernel_size=1),
        )
        self.layer_scale = LayerScale((dim, 1, 1), layer_scale)
        self.stochastic_depth = StochasticDepth(stochastic_depth, "row")

    def forward(self, x):
        return x + self.stochastic_depth(self.layer_scale(self.block(x)))
`,
  },
};

/** The parts `wanted` need, with what they use, in an order where each comes after what it uses. */
export function preludeSource(wanted: Iterable<PartName>): string {
  const order: PartName[] = [];
  const visit = (p: PartName) => {
    if (order.includes(p)) return;
    for (const n of PARTS[p].needs ?? []) visit(n);
    order.push(p);
  };
  for (const p of wanted) visit(p);
  // A fixed order, so that equal networks give equal files.
  const rank = Object.keys(PARTS) as PartName[];
  order.sort((a, b) => rank.indexOf(a) - rank.indexOf(b));
  return order.map((p) => PARTS[p].source.trim()).join('\n\n\n');
}

/** Reading and writing safetensors with nothing but torch (the \`safetensors\` package is used when installed). */
export const SAFETENSORS_SOURCE = `def load_safetensors(path):
    """The tensors of a safetensors file by name.

    The format is an 8-byte little-endian header length, a JSON header (name -> dtype, shape,
    byte range) and the raw little-endian bytes; the \`safetensors\` package reads it when it is
    installed, this reader when it is not.
    """
    try:
        from safetensors.torch import load_file
    except ImportError:
        pass
    else:
        return load_file(str(path))
    data = Path(path).read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    header.pop("__metadata__", None)
    start = 8 + size
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = _DTYPES[info["dtype"]]
        raw = bytearray(data[start + begin : start + end])
        flat = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(info["shape"])
    return tensors


_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64, "I32": torch.int32}


def save_weights(model, path):
    """Writes the model's state_dict as float32 safetensors: the file Residual Studio opens back.

    The names are the ONNX export's initializer names, so the weights land on the same layers.
    """
    header, chunks, offset = {}, [], 0
    for name, tensor in sorted(model.state_dict().items()):
        t = tensor.detach().to("cpu", torch.float32).contiguous()
        try:
            raw = t.numpy().tobytes()
        except RuntimeError:  # torch built without numpy
            raw = struct.pack(f"<{t.numel()}f", *t.flatten().tolist())
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text.encode("utf-8"))
        for raw in chunks:
            f.write(raw)
`;
