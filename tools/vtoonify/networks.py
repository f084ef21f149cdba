"""The three networks VToonify-D runs at inference, in plain PyTorch.

Parameter and buffer names follow the published checkpoint files, so that
`load_state_dict` takes them unchanged:

  * VToonify (the `g_ema` entry of `vtoonify_s_d.pt`): the content encoder,
    the fusion modules driven by the style degree, its ModRes blocks and the
    DualStyleGAN backbone (StyleGAN2 synthesis layers, its mapping network,
    the extrinsic colour path and the structure transform layers).
  * BiSeNet (`faceparsing.pth`): the 19-class face parser.
  * the pSp GradualStyleEncoder (`encoder.*` of `encoder.pt`): an aligned face
    to its Z+ code.

Upstream relies on CUDA kernels (fused bias + leaky ReLU, upfirdn2d); here they
are ordinary convolutions, paddings and activations with the same arithmetic,
so the networks trace to standard ONNX operators and run anywhere.

Every width is divided by `Widths.div`; 1 gives the published networks, a
larger divisor gives small networks of the same structure for tests.
"""

import math
from dataclasses import dataclass

import torch
from torch import nn
import torch.nn.functional as F

SQRT2 = math.sqrt(2.0)


@dataclass(frozen=True)
class Widths:
    div: int = 1          # every channel count is divided by this
    out_size: int = 1024  # StyleGAN resolution the generator was trained at
    in_size: int = 256    # content-encoder resolution the fusion layers assume

    def c(self, n):
        return max(1, n // self.div)

    @property
    def style_dim(self):
        return self.c(512)

    def stylegan_channels(self, multiplier=2):
        base = {4: 512, 8: 512, 16: 512, 32: 512, 64: 256 * multiplier,
                128: 128 * multiplier, 256: 64 * multiplier,
                512: 32 * multiplier, 1024: 16 * multiplier}
        return {k: self.c(v) for k, v in base.items()}

    @property
    def n_latent(self):
        return int(math.log2(self.out_size)) * 2 - 2


def blur_taps(scale=1.0):
    """The separable [1, 3, 3, 1] low-pass filter of StyleGAN2, normalised."""
    k = torch.tensor([1.0, 3.0, 3.0, 1.0])
    k2 = k[:, None] * k[None, :]
    return k2 / k2.sum() * scale


# ---------------------------------------------------------------- StyleGAN2

class PixelNorm(nn.Module):
    def forward(self, x):
        return x / torch.sqrt(torch.mean(x * x, dim=-1, keepdim=True) + 1e-8)


def fused_lrelu(x, bias):
    """leaky_relu(x + bias, 0.2) * sqrt(2), bias along dimension 1."""
    shape = [1, -1] + [1] * (x.dim() - 2)
    return F.leaky_relu(x + bias.view(*shape), 0.2) * SQRT2


class FusedLeakyReLU(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        return fused_lrelu(x, self.bias)


class EqualLinear(nn.Module):
    """A linear layer whose weight is stored at unit variance and scaled at use."""

    def __init__(self, n_in, n_out, bias_init=0.0, lr_mul=1.0, activation=False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_out, n_in) / lr_mul)
        self.bias = nn.Parameter(torch.full((n_out,), float(bias_init)))
        self.scale = lr_mul / math.sqrt(n_in)
        self.lr_mul = lr_mul
        self.activation = activation

    def forward(self, x):
        y = F.linear(x, self.weight * self.scale)
        if self.activation:
            return fused_lrelu(y, self.bias * self.lr_mul)
        return y + self.bias * self.lr_mul


class EqualConv2d(nn.Module):
    def __init__(self, n_in, n_out, k, stride=1, padding=0, bias=True, dilation=1):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_out, n_in, k, k))
        self.bias = nn.Parameter(torch.zeros(n_out)) if bias else None
        self.scale = 1.0 / math.sqrt(n_in * k * k)
        self.stride, self.padding, self.dilation = stride, padding, dilation

    def forward(self, x):
        return F.conv2d(x, self.weight * self.scale, self.bias, self.stride,
                        self.padding, self.dilation)


class ConvLayer(nn.Sequential):
    """Equalised 3x3 convolution (dilated as VToonify's ModRes blocks need)
    followed by the fused bias and leaky ReLU."""

    def __init__(self, n_in, n_out, k, dilation=1):
        pad = k // 2 + dilation - 1
        super().__init__(EqualConv2d(n_in, n_out, k, padding=pad, bias=False, dilation=dilation),
                         FusedLeakyReLU(n_out))


class Blur(nn.Module):
    """upfirdn2d with up = down = 1: pad, then a depthwise 4x4 low-pass."""

    def __init__(self, channels, pad, scale=1.0):
        super().__init__()
        self.register_buffer("kernel", blur_taps(scale))
        self.pad = pad
        self.channels = channels

    def forward(self, x):
        c = self.channels
        x = F.pad(x, [self.pad[0], self.pad[1], self.pad[0], self.pad[1]])
        # The taps are symmetric, so correlation equals upfirdn2d's convolution.
        w = self.kernel.to(x.dtype)[None, None].repeat(c, 1, 1, 1)
        return F.conv2d(x, w, groups=c)


class Upsample(nn.Module):
    """upfirdn2d with up = 2 and pads (2, 1): zero insertion then the low-pass,
    which is exactly a depthwise stride-2 transposed convolution with pad 1."""

    def __init__(self, channels=3):
        super().__init__()
        self.register_buffer("kernel", blur_taps(4.0))
        self.channels = channels

    def forward(self, x):
        c = self.channels
        w = self.kernel.to(x.dtype)[None, None].repeat(c, 1, 1, 1)
        return F.conv_transpose2d(x, w, stride=2, padding=1, groups=c)


class ModulatedConv2d(nn.Module):
    def __init__(self, n_in, n_out, k, style_dim, demodulate=True, upsample=False):
        super().__init__()
        self.n_in, self.n_out, self.k = n_in, n_out, k
        self.upsample = upsample
        self.demodulate = demodulate
        if upsample:
            # (len(taps) - 2) - (k - 1) = -1 for k = 3: pads (1, 1).
            self.blur = Blur(n_out, (1, 1), scale=4.0)
        self.scale = 1.0 / math.sqrt(n_in * k * k)
        self.padding = k // 2
        self.weight = nn.Parameter(torch.randn(1, n_out, n_in, k, k))
        self.modulation = EqualLinear(style_dim, n_in, bias_init=1.0)

    def styled_weight(self, style):
        """The modulated (and demodulated) kernel for one style vector [1, S]:
        it depends on the style alone, so a runtime that binds the style folds
        it once."""
        s = self.modulation(style).view(1, 1, self.n_in, 1, 1)
        w = self.weight * self.scale * s
        if self.demodulate:
            d = 1.0 / torch.sqrt((w * w).sum(dim=[2, 3, 4], keepdim=True) + 1e-8)
            w = w * d
        return w.view(self.n_out, self.n_in, self.k, self.k)

    def forward(self, x, style):
        w = self.styled_weight(style)
        if self.upsample:
            y = F.conv_transpose2d(x, w.transpose(0, 1), stride=2)
            return self.blur(y)
        return F.conv2d(x, w, padding=self.padding)


class NoiseInjection(nn.Module):
    """Kept for the checkpoint's sake: VToonify runs without noise."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))


class ConstantInput(nn.Module):
    def __init__(self, channels, size=4):
        super().__init__()
        self.input = nn.Parameter(torch.randn(1, channels, size, size))


class StyledConv(nn.Module):
    def __init__(self, n_in, n_out, k, style_dim, upsample=False):
        super().__init__()
        self.conv = ModulatedConv2d(n_in, n_out, k, style_dim, upsample=upsample)
        self.noise = NoiseInjection()
        self.activate = FusedLeakyReLU(n_out)

    def forward(self, x, style):
        return self.activate(self.conv(x, style))


class ToRGB(nn.Module):
    def __init__(self, n_in, style_dim, upsample=True):
        super().__init__()
        if upsample:
            self.upsample = Upsample()
        self.conv = ModulatedConv2d(n_in, 3, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, 3, 1, 1))

    def forward(self, x, style, skip):
        return self.conv(x, style) + self.bias + self.upsample(skip)


class Generator(nn.Module):
    """StyleGAN2 synthesis network and mapping network (names as rosinality's)."""

    def __init__(self, widths, n_mlp=8):
        super().__init__()
        sd = widths.style_dim
        self.channels = widths.stylegan_channels()
        self.style = nn.Sequential(PixelNorm(), *[EqualLinear(sd, sd, lr_mul=0.01, activation=True)
                                                  for _ in range(n_mlp)])
        ch = self.channels
        self.input = ConstantInput(ch[4])
        self.conv1 = StyledConv(ch[4], ch[4], 3, sd)
        self.to_rgb1 = ToRGB(ch[4], sd, upsample=False)
        self.log_size = int(math.log2(widths.out_size))
        self.num_layers = (self.log_size - 2) * 2 + 1
        self.convs = nn.ModuleList()
        self.to_rgbs = nn.ModuleList()
        self.noises = nn.Module()
        for i in range(self.num_layers):
            r = 2 ** ((i + 5) // 2)
            self.noises.register_buffer(f"noise_{i}", torch.randn(1, 1, r, r))
        n_in = ch[4]
        for i in range(3, self.log_size + 1):
            n_out = ch[2 ** i]
            self.convs.append(StyledConv(n_in, n_out, 3, sd, upsample=True))
            self.convs.append(StyledConv(n_out, n_out, 3, sd))
            self.to_rgbs.append(ToRGB(n_out, sd))
            n_in = n_out
        self.n_latent = self.log_size * 2 - 2


class AdaptiveInstanceNorm(nn.Module):
    def __init__(self, channels, style_dim):
        super().__init__()
        self.norm = nn.InstanceNorm2d(channels, affine=False)
        self.style = nn.Linear(style_dim, channels * 2)
        with torch.no_grad():
            self.style.bias[:channels] = 1.0
            self.style.bias[channels:] = 0.0

    def forward(self, x, style):
        gamma, beta = self.style(style)[:, :, None, None].chunk(2, dim=1)
        return gamma * self.norm(x) + beta


class AdaResBlock(nn.Module):
    """DualStyleGAN's modulative residual block; `w` weighs the residual."""

    def __init__(self, channels, style_dim, dilation=1):
        super().__init__()
        self.conv = ConvLayer(channels, channels, 3, dilation=dilation)
        self.conv2 = ConvLayer(channels, channels, 3, dilation=dilation)
        self.norm = AdaptiveInstanceNorm(channels, style_dim)
        self.norm2 = AdaptiveInstanceNorm(channels, style_dim)

    def forward(self, x, s, w):
        y = self.conv(self.norm(x, s))
        y = self.conv2(self.norm2(y, s))
        return y * w + x


class DualStyleGAN(nn.Module):
    """The parts of DualStyleGAN that VToonify-D keeps: the colour transform of
    the extrinsic path (`style`), StyleGAN2 (`generator`) and the extrinsic
    path's blocks (`res`: ModRes blocks for the coarse layers, structure
    transform linears for the fine ones)."""

    def __init__(self, widths, n_mlp=8, res_index=6):
        super().__init__()
        sd = widths.style_dim
        self.style = nn.Sequential(PixelNorm(), *[EqualLinear(sd, sd, lr_mul=0.01, activation=True)
                                                  for _ in range(n_mlp - 6)])
        self.generator = Generator(widths, n_mlp)
        self.channels = self.generator.channels
        self.n_latent = self.generator.n_latent
        self.res = nn.ModuleList([AdaResBlock(self.channels[4], sd)])
        for i in range(3, self.generator.log_size + 1):
            c = self.channels[2 ** i]
            for _ in range(2):
                if i < 3 + res_index // 2:
                    self.res.append(AdaResBlock(c, sd))
                else:
                    self.res.append(EqualLinear(sd, sd))
        self.res.append(EqualLinear(sd, sd))


# ---------------------------------------------------------------- VToonify

class VToonifyResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 1, 1)
        self.conv2 = nn.Conv2d(c, c, 3, 1, 1)

    def forward(self, x):
        y = F.leaky_relu(self.conv(x), 0.2)
        y = F.leaky_relu(self.conv2(y), 0.2)
        return (y + x) / SQRT2


class Fusion(nn.Module):
    """Merges an encoder feature into the generator's, through a mask whose
    normalisation is conditioned on the style degree."""

    def __init__(self, n_in, n_skip, n_out):
        super().__init__()
        self.conv = nn.Conv2d(n_in + n_skip, n_out, 3, 1, 1)
        self.norm = AdaptiveInstanceNorm(n_in + n_skip, 128)
        self.conv2 = nn.Conv2d(n_in + n_skip, 1, 3, 1, 1)
        self.linear = nn.Sequential(nn.Linear(1, 64), nn.LeakyReLU(0.2),
                                    nn.Linear(64, 128), nn.LeakyReLU(0.2))

    def forward(self, f_g, f_e, degree):
        label = self.linear(degree.view(1, 1))
        h = torch.cat([f_g, torch.abs(f_g - f_e)], dim=1)
        m = torch.tanh(F.relu(self.conv2(self.norm(h, label))))
        return self.conv(torch.cat([f_g, f_e * m], dim=1)), m


class VToonify(nn.Module):
    """VToonify-D. forward(frame, parsing, style, degree): frame [1, 3, H, W]
    in [-1, 1], parsing the parser's map [1, 19, H, W] already divided by 16,
    style the W+ code [1, n_latent, S] (its first seven rows from the
    extrinsic style), degree [1]. H and W are multiples of 8; the image out
    is [1, 3, 4H, 4W] in about [-1, 1]."""

    def __init__(self, widths=Widths(), num_res_layers=6):
        super().__init__()
        self.widths = widths
        self.generator = DualStyleGAN(widths)
        ch = self.generator.channels
        in_size = widths.in_size
        res_list = [2 ** i for i in range(int(math.log2(in_size)), 4, -1)]
        self.encoder = nn.ModuleList([nn.Sequential(
            nn.Conv2d(3 + 19, 32, 3, 1, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(32, ch[in_size], 3, 1, 1), nn.LeakyReLU(0.2))])
        for r in res_list:
            if r > 32:
                self.encoder.append(nn.Sequential(
                    nn.Conv2d(ch[r], ch[r // 2], 3, 2, 1), nn.LeakyReLU(0.2),
                    nn.Conv2d(ch[r // 2], ch[r // 2], 3, 1, 1), nn.LeakyReLU(0.2)))
            else:
                self.encoder.append(nn.Sequential(*[VToonifyResBlock(ch[r])
                                                    for _ in range(num_res_layers)]))
                self.encoder.append(nn.Conv2d(ch[r], 3, 1, 1, 0))
        self.fusion_out = nn.ModuleList()
        self.fusion_skip = nn.ModuleList()
        for r in res_list[::-1]:
            self.fusion_out.append(Fusion(ch[r], ch[r], ch[r]))
            self.fusion_skip.append(nn.Conv2d(ch[r] + 3, 3, 3, 1, 1))
        sd = widths.style_dim
        self.res = nn.ModuleList([AdaResBlock(ch[4], sd)])
        for i in range(3, 6):
            for _ in range(2):
                self.res.append(AdaResBlock(ch[2 ** i], sd, dilation=2 ** (5 - i)))

    def forward(self, frame, parsing, style, degree):
        g = self.generator.generator
        n_latent = self.generator.n_latent
        rows = [style[:, i] for i in range(n_latent)]
        # The colour path sees every row through DualStyleGAN's colour
        # transform; the structure path replaces the fine rows.
        res_rows = [self.generator.style(r) for r in rows]
        ada_rows = rows[:7] + [self.generator.res[i](rows[i]) for i in range(7, n_latent)]

        feat = torch.cat([frame, parsing], dim=1)
        enc = []
        for block in self.encoder[:-2]:
            feat = block(feat)
            enc.append(feat)
        enc = enc[::-1]
        for i, block in enumerate(self.encoder[-2]):
            feat = self.res[i + 1](block(feat), res_rows[i + 1], degree)
        out = feat
        skip = self.encoder[-1](feat)

        index = 1
        for conv1, conv2, to_rgb in zip(g.convs[6::2], g.convs[7::2], g.to_rgbs[3:]):
            level = (index - 1) // 2
            if 2 ** (5 + level) <= self.widths.in_size:
                f_e = enc[level]
                out, m = self.fusion_out[level](out, f_e, degree)
                skip = self.fusion_skip[level](torch.cat([skip, f_e * m], dim=1))
            out = conv1(out, ada_rows[index + 6])
            out = conv2(out, ada_rows[index + 7])
            skip = to_rgb(out, ada_rows[index + 8], skip)
            index += 2
        return skip

    def zplus_to_wplus(self, zplus):
        """Maps a Z+ code [1, n_latent, S] through StyleGAN's mapping network."""
        n, l, s = zplus.shape
        return self.generator.generator.style(zplus.reshape(n * l, s)).reshape(n, l, s)


# ---------------------------------------------------------------- BiSeNet

class ConvBNReLU(nn.Module):
    def __init__(self, n_in, n_out, ks=3, stride=1, padding=1):
        super().__init__()
        self.conv = nn.Conv2d(n_in, n_out, ks, stride, padding, bias=False)
        self.bn = nn.BatchNorm2d(n_out)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class BasicBlock(nn.Module):
    def __init__(self, n_in, n_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(n_in, n_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(n_out)
        self.conv2 = nn.Conv2d(n_out, n_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(n_out)
        self.downsample = None
        if n_in != n_out or stride != 1:
            self.downsample = nn.Sequential(nn.Conv2d(n_in, n_out, 1, stride, bias=False),
                                            nn.BatchNorm2d(n_out))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        short = x if self.downsample is None else self.downsample(x)
        return F.relu(y + short)


class Resnet18(nn.Module):
    def __init__(self, widths):
        super().__init__()
        c = widths.c
        self.conv1 = nn.Conv2d(3, c(64), 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(c(64))
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(BasicBlock(c(64), c(64)), BasicBlock(c(64), c(64)))
        self.layer2 = nn.Sequential(BasicBlock(c(64), c(128), 2), BasicBlock(c(128), c(128)))
        self.layer3 = nn.Sequential(BasicBlock(c(128), c(256), 2), BasicBlock(c(256), c(256)))
        self.layer4 = nn.Sequential(BasicBlock(c(256), c(512), 2), BasicBlock(c(512), c(512)))

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        f4 = self.layer1(x)
        f8 = self.layer2(f4)
        f16 = self.layer3(f8)
        f32 = self.layer4(f16)
        return f8, f16, f32


class AttentionRefinement(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.conv = ConvBNReLU(n_in, n_out)
        self.conv_atten = nn.Conv2d(n_out, n_out, 1, bias=False)
        self.bn_atten = nn.BatchNorm2d(n_out)

    def forward(self, x):
        f = self.conv(x)
        a = torch.sigmoid(self.bn_atten(self.conv_atten(f.mean(dim=[2, 3], keepdim=True))))
        return f * a


class ContextPath(nn.Module):
    def __init__(self, widths):
        super().__init__()
        c = widths.c
        self.resnet = Resnet18(widths)
        self.arm16 = AttentionRefinement(c(256), c(128))
        self.arm32 = AttentionRefinement(c(512), c(128))
        self.conv_head32 = ConvBNReLU(c(128), c(128))
        self.conv_head16 = ConvBNReLU(c(128), c(128))
        self.conv_avg = ConvBNReLU(c(512), c(128), 1, 1, 0)

    def forward(self, x):
        f8, f16, f32 = self.resnet(x)
        # Nearest upsampling of a 1 x 1 map is a broadcast.
        avg = self.conv_avg(f32.mean(dim=[2, 3], keepdim=True))
        s32 = self.arm32(f32) + avg
        up32 = self.conv_head32(F.interpolate(s32, size=f16.shape[2:], mode="nearest"))
        s16 = self.arm16(f16) + up32
        up16 = self.conv_head16(F.interpolate(s16, size=f8.shape[2:], mode="nearest"))
        return f8, up16, up32


class FeatureFusion(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.convblk = ConvBNReLU(n_in, n_out, 1, 1, 0)
        self.conv1 = nn.Conv2d(n_out, n_out // 4, 1, bias=False)
        self.conv2 = nn.Conv2d(n_out // 4, n_out, 1, bias=False)

    def forward(self, fsp, fcp):
        f = self.convblk(torch.cat([fsp, fcp], dim=1))
        a = f.mean(dim=[2, 3], keepdim=True)
        a = torch.sigmoid(self.conv2(F.relu(self.conv1(a))))
        return f * a + f


class BiSeNetOutput(nn.Module):
    def __init__(self, n_in, n_mid, n_classes):
        super().__init__()
        self.conv = ConvBNReLU(n_in, n_mid)
        self.conv_out = nn.Conv2d(n_mid, n_classes, 1, bias=False)

    def forward(self, x):
        return self.conv_out(self.conv(x))


class BiSeNet(nn.Module):
    """The face parser. forward(x) returns the class scores at the input's size;
    the two auxiliary heads exist only for the checkpoint."""

    def __init__(self, widths=Widths(), n_classes=19):
        super().__init__()
        c = widths.c
        self.cp = ContextPath(widths)
        self.ffm = FeatureFusion(c(256), c(256))
        self.conv_out = BiSeNetOutput(c(256), c(256), n_classes)
        self.conv_out16 = BiSeNetOutput(c(128), c(64), n_classes)
        self.conv_out32 = BiSeNetOutput(c(128), c(64), n_classes)

    def forward(self, x):
        f8, cp8, _ = self.cp(x)
        y = self.conv_out(self.ffm(f8, cp8))
        return F.interpolate(y, size=x.shape[2:], mode="bilinear", align_corners=True)


class VToonifyParser(nn.Module):
    """A frame [1, 3, H, W] in [-1, 1] to the parsing input of VToonify
    [1, 19, H, W]: parse at twice the size (BiSeNet works best on large
    faces), bring the map back by nearest sampling, weigh it by 1/16."""

    def __init__(self, bisenet):
        super().__init__()
        self.bisenet = bisenet

    def forward(self, frame):
        big = F.interpolate(frame, scale_factor=2.0, mode="bilinear", align_corners=False)
        p = self.bisenet(2.0 * big)
        p = F.interpolate(p, scale_factor=0.5, mode="nearest", recompute_scale_factor=False)
        return p / 16.0


# ---------------------------------------------------------------- pSp

class SEModule(nn.Module):
    def __init__(self, c, reduction=16):
        super().__init__()
        self.fc1 = nn.Conv2d(c, c // reduction, 1, bias=False)
        self.fc2 = nn.Conv2d(c // reduction, c, 1, bias=False)

    def forward(self, x):
        a = torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean(dim=[2, 3], keepdim=True)))))
        return x * a


class BottleneckIRSE(nn.Module):
    def __init__(self, n_in, depth, stride):
        super().__init__()
        self.stride = stride
        self.shortcut_layer = None
        if n_in != depth:
            self.shortcut_layer = nn.Sequential(nn.Conv2d(n_in, depth, 1, stride, bias=False),
                                                nn.BatchNorm2d(depth))
        self.res_layer = nn.Sequential(
            nn.BatchNorm2d(n_in), nn.Conv2d(n_in, depth, 3, 1, 1, bias=False), nn.PReLU(depth),
            nn.Conv2d(depth, depth, 3, stride, 1, bias=False), nn.BatchNorm2d(depth),
            SEModule(depth))

    def forward(self, x):
        if self.shortcut_layer is None:
            # A 1 x 1 max pool with a stride: plain subsampling.
            short = F.max_pool2d(x, 1, self.stride)
        else:
            short = self.shortcut_layer(x)
        return self.res_layer(x) + short


class GradualStyleBlock(nn.Module):
    def __init__(self, n_in, n_out, spatial):
        super().__init__()
        self.n_out = n_out
        layers = []
        for i in range(int(math.log2(spatial))):
            layers += [nn.Conv2d(n_in if i == 0 else n_out, n_out, 3, 2, 1), nn.LeakyReLU(0.01)]
        self.convs = nn.Sequential(*layers)
        self.linear = EqualLinear(n_out, n_out)

    def forward(self, x):
        return self.linear(self.convs(x).reshape(-1, self.n_out))


class GradualStyleEncoder(nn.Module):
    """pSp's IR-SE-50 encoder with its feature pyramid: an aligned face
    [1, 3, 256, 256] in [-1, 1] to a code [1, n_latent, S]."""

    def __init__(self, widths=Widths()):
        super().__init__()
        c = widths.c
        self.input_layer = nn.Sequential(nn.Conv2d(3, c(64), 3, 1, 1, bias=False),
                                         nn.BatchNorm2d(c(64)), nn.PReLU(c(64)))
        units = []
        for n_in, depth, count in ((64, 64, 3), (64, 128, 4), (128, 256, 14), (256, 512, 3)):
            units.append(BottleneckIRSE(c(n_in), c(depth), 2))
            units += [BottleneckIRSE(c(depth), c(depth), 1) for _ in range(count - 1)]
        self.body = nn.Sequential(*units)
        self.style_count = widths.n_latent
        sd = widths.style_dim
        self.styles = nn.ModuleList()
        for i in range(self.style_count):
            spatial = 16 if i < 3 else 32 if i < 7 else 64
            self.styles.append(GradualStyleBlock(c(512), sd, spatial))
        self.latlayer1 = nn.Conv2d(c(256), c(512), 1)
        self.latlayer2 = nn.Conv2d(c(128), c(512), 1)

    @staticmethod
    def upsample_add(x, y):
        return F.interpolate(x, size=y.shape[2:], mode="bilinear", align_corners=True) + y

    def forward(self, x):
        x = self.input_layer(x)
        for i, unit in enumerate(self.body):
            x = unit(x)
            if i == 6:
                c1 = x
            elif i == 20:
                c2 = x
            elif i == 23:
                c3 = x
        codes = [self.styles[i](c3) for i in range(3)]
        p2 = self.upsample_add(c3, self.latlayer1(c2))
        codes += [self.styles[i](p2) for i in range(3, 7)]
        p1 = self.upsample_add(p2, self.latlayer2(c1))
        codes += [self.styles[i](p1) for i in range(7, self.style_count)]
        return torch.stack(codes, dim=1)


class FaceToWPlus(nn.Module):
    """The per-segment code: pSp's Z+ code of the face, centred on the
    checkpoint's average latent, mapped to W+ by the generator's mapping
    network (VToonify's zplus2wplus)."""

    def __init__(self, encoder, latent_avg, vtoonify):
        super().__init__()
        self.encoder = encoder
        self.register_buffer("latent_avg", latent_avg.reshape(1, -1, latent_avg.shape[-1]))
        self.vtoonify = vtoonify

    def forward(self, face):
        return self.vtoonify.zplus_to_wplus(self.encoder(face) + self.latent_avg)
