"""Universal style transfer by whitening and colouring (Li et al. 2017), with photo-only decoders.

At each VGG-19 level (relu4_1, then relu3_1, relu2_1, relu1_1) the image so far is encoded, its
features are whitened (their covariance made the identity) and coloured with the painting's
covariance and mean, and a decoder turns them back into an image for the next level. The
decoders are trained only to rebuild photos from their own features
(:mod:`models.training.wct_decoders`): they never see a painting, so there is no set of
paintings to overfit, and any picture is a style.

Tensors are ``N×3×H×W`` RGB in [0, 1]; features ``N×C×H×W``; covariances ``N×C×C``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from models.nets.adain import FRAME_BORDER, conv_block, frame_padding
from models.nets.vgg import CAFFE_MEAN_BGR, VGG19Features

LEVELS = (4, 3, 2, 1)  # coarse to fine, as in the paper's multi-level cascade
LEVEL_LAYER = {1: "block1_relu1", 2: "block2_relu1", 3: "block3_relu1", 4: "block4_relu1"}
BLOCK_CHANNELS = {0: 3, 1: 64, 2: 128, 3: 256, 4: 512}
BLOCK_CONVS = {1: 2, 2: 2, 3: 4, 4: 4}
# about each level's RMS on photos: a decoder sees input of about unit size
FEATURE_SCALE = {1: 50.0, 2: 250.0, 3: 400.0, 4: 1000.0}


def covariance(features: torch.Tensor, ridge: float = 1e-4) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample channel means (``N×C×1``) and covariances (``N×C×C``), the latter regularised by
    ``ridge`` × its mean eigenvalue (whitening must not blow up dead directions). Summed in float32
    (a float64 product over a full frame's relu1_1 took longer than the level's decoder), returned
    in float64 for the eigendecomposition."""
    n, c = features.shape[0], features.shape[1]
    flat = features.reshape(n, c, -1).float()
    mean = flat.mean(dim=2, keepdim=True)
    centred = flat - mean
    cov = (centred @ centred.transpose(1, 2)).double() / max(1, flat.shape[2] - 1)
    mean = mean.double()
    added = ridge * cov.diagonal(dim1=1, dim2=2).mean(dim=1).clamp_min(1e-12)
    eye = torch.eye(c, dtype=cov.dtype, device=cov.device)
    return mean, cov + added.view(n, 1, 1) * eye


def matrix_power(cov: torch.Tensor, power: float) -> torch.Tensor:
    """``cov ** power`` of symmetric positive-definite ``N×C×C`` matrices, by eigendecomposition."""
    values, vectors = torch.linalg.eigh(cov)
    values = values.clamp_min(values[:, -1:] * 1e-12).pow(power)
    return (vectors * values.unsqueeze(1)) @ vectors.transpose(1, 2)


def colouring(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """A style's statistics at one level: its feature means ``1×C×1`` and covariance square root
    ``1×C×C`` (float64); compute once per painting."""
    mean, cov = covariance(features)
    return mean, matrix_power(cov, 0.5)


def whiten_colour(content: torch.Tensor, style_mean: torch.Tensor, style_sqrt_cov: torch.Tensor,
                  alpha: float = 1.0) -> torch.Tensor:
    """Content features with their covariance and mean replaced by the style's, moved ``alpha`` of the
    way: one affine map per sample (``alpha`` folded in), worked out in float64, applied in float32,
    returned in the content's dtype."""
    n, c, h, w = content.shape
    mean, cov = covariance(content)
    transform = style_sqrt_cov.double() @ matrix_power(cov, -0.5)
    transform = alpha * transform + (1.0 - alpha) * torch.eye(c, dtype=transform.dtype, device=transform.device)
    shift = alpha * style_mean.double() + (1.0 - alpha) * mean - transform @ mean
    out = torch.baddbmm(shift.float(), transform.float(), content.reshape(n, c, h * w).float())
    return out.reshape(n, c, h, w).to(content.dtype)


class LevelDecoder(nn.Module):
    """relu{level}_1 features → RGB, mirroring VGG-19's first ``level`` blocks (nearest upsample + conv,
    no checkerboard). ``width`` scales the hidden channels (1.0: VGG's own)."""

    def __init__(self, level: int, width: float = 1.0) -> None:
        super().__init__()
        if level not in LEVEL_LAYER:
            raise ValueError(f"no decoder level {level}: one of {sorted(LEVEL_LAYER)}")
        self.level, self.width = level, width

        def ch(block: int) -> int:
            return 3 if block == 0 else max(8, int(round(BLOCK_CHANNELS[block] * width)))

        layers = conv_block(BLOCK_CHANNELS[level], ch(level - 1), relu=level > 1)
        for block in range(level - 1, 0, -1):
            layers.append(nn.Upsample(scale_factor=2.0, mode="nearest"))
            for _ in range(BLOCK_CONVS[block] - 1):
                layers += conv_block(ch(block), ch(block))
            layers += conv_block(ch(block), ch(block - 1), relu=block > 1)
        self.body = nn.Sequential(*layers)
        self.scale = 1.0 / FEATURE_SCALE[level]

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        out = self.body(features * self.scale)
        return out if self.training else out.clamp(0.0, 1.0)


class Level(nn.Module):
    """One step of the cascade: encode (VGG-19 to this level, Caffe input), whiten and colour with a
    painting's ``mean``/``sqrt_cov`` (``1×C×1``, ``1×C×C``), decode."""

    def __init__(self, encoder: nn.Module, decoder: LevelDecoder, mean: torch.Tensor, sqrt_cov: torch.Tensor,
                 alpha: float) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder.eval()
        self.register_buffer("mean", mean.detach().clone().double())
        self.register_buffer("sqrt_cov", sqrt_cov.detach().clone().double())
        self.register_buffer("caffe_mean", torch.tensor(CAFFE_MEAN_BGR).view(1, 3, 1, 1))
        self.alpha = float(alpha)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        features = self.encoder(image.flip(1) * 255.0 - self.caffe_mean.to(image.dtype))
        return self.decoder(whiten_colour(features, self.mean, self.sqrt_cov, self.alpha))


class WCTStyleNet(nn.Module):
    """A painting's statistics baked in: RGB [0, 1] → stylized RGB [0, 1] through the level cascade.

    ``encoder``: VGG-19 to relu4_1 (or further); ``decoders``: one :class:`LevelDecoder` per level, in
    cascade order; ``statistics``: the painting's ``(mean, sqrt_cov)`` at each of those levels
    (:func:`style_statistics`); ``alpha``: how far each level moves to the painting (1: all the way).
    Plain layers and ``torch.linalg``, so TorchScript can compile it.
    """

    def __init__(self, encoder: VGG19Features, decoders: list[LevelDecoder],
                 statistics: list[tuple[torch.Tensor, torch.Tensor]], alpha: float = 1.0) -> None:
        super().__init__()
        if len(decoders) != len(statistics) or not decoders:
            raise ValueError("one set of statistics per decoder")
        levels = []
        for decoder, (mean, sqrt_cov) in zip(decoders, statistics):
            layer = LEVEL_LAYER[decoder.level]
            if layer not in encoder.names:
                raise ValueError(f"the encoder does not reach {layer}")
            stage = nn.Sequential(*encoder.layers[: encoder.names.index(layer) + 1])
            levels.append(Level(stage, decoder, mean, sqrt_cov, alpha))
        self.levels = nn.ModuleList(levels)
        self.border = FRAME_BORDER
        self.multiple = 2 ** (max(d.level for d in decoders) - 1)

    def padding(self, h: int, w: int) -> list[int]:
        """(left, right, top, bottom): ``border`` px all round, then up to a multiple of the poolings."""
        return frame_padding(h, w, self.border, self.multiple)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2], x.shape[-1]
        pad = self.padding(h, w)
        small = min(h, w) <= max(pad)  # too small to mirror that far
        image = F.pad(x, pad, mode="replicate" if small else "reflect")
        for level in self.levels:
            image = level(image)
        b = self.border
        return image[..., b:b + h, b:b + w]


def style_statistics(encoder: VGG19Features, picture: torch.Tensor, levels: tuple[int, ...] | list[int] = LEVELS
                     ) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """A ``1×3×H×W`` picture's ``(mean, sqrt_cov)`` at each level, in ``levels`` order."""
    with torch.no_grad():
        feats = encoder(picture.float(), [LEVEL_LAYER[level] for level in levels])
    return [colouring(feats[LEVEL_LAYER[level]]) for level in levels]
