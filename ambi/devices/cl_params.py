"""How a device's OpenCL kernels are shaped: the parameters the conformance probe chooses.

Each field picks a variant of one part of the generated code. The probe
(``probe``) runs every variant on small inputs with known answers, keeps those that
pass, times the survivors and records the fastest per field; ``CLDevice.params`` holds
the result. No vendor name or device type decides.

- ``grid`` (``chunk`` | ``item``): elementwise, copy, window and random kernels give
  each work-item a contiguous chunk (a few per compute unit, vector code where it
  applies), or one element each.
- ``width`` (16, 8, 4, 0): the vector width of elementwise code, of vector reduction
  loads and of matmul register blocks; 0 is scalar code only.
- ``reduce`` (``chunk`` | ``tree``): a work-item per chunk of terms (vector loads when
  they are contiguous), or a work-group per chunk combining as a tree in local memory.
- ``matmul`` (``blocked`` | ``tiled``): packed panels with a ``rows`` x ``cols`` register
  block per work-item, or 64x64 tiles staged in local memory.
- ``rows``, ``cols`` (``BLOCKS``): the block of C each work-item of the blocked matmul
  keeps in registers, ``cols`` one vector of at most ``width`` lanes. Which block is
  fastest depends on the vector registers the driver's code gets: 8x8 and 6x16 fill
  AVX2's sixteen without spilling, 8x16 wants AVX-512's thirty-two.
"""
from dataclasses import asdict, dataclass, replace

WIDTHS = (16, 8, 4, 0)  # widest first: the probe narrows until one passes
# blocked matmul register blocks (rows, cols): every one is checked, the fastest kept
BLOCKS = ((8, 16), (4, 16), (6, 16), (8, 8))


def blocks_for(width):
    """The register blocks the probe tries at a vector width (cols at most ``width``)."""
    return list(dict.fromkeys((r, min(c, width)) for r, c in BLOCKS)) if width else []


@dataclass(frozen=True)
class KernelParams:
    grid: str = "chunk"
    width: int = 16
    reduce: str = "chunk"
    matmul: str = "blocked"
    rows: int = 8
    cols: int = 16

    def to_json(self):
        return asdict(self)

    @classmethod
    def from_json(cls, d):
        return cls(**{k: d[k] for k in cls.__dataclass_fields__})

    def with_width(self, width):
        """These parameters at another vector width (blocked matmul needs vectors)."""
        return replace(self, width=width, cols=min(self.cols, width or self.cols),
                       matmul="tiled" if width == 0 and self.matmul == "blocked" else self.matmul)

    def with_block(self, block):
        """These parameters with the blocked matmul's register block ``(rows, cols)``."""
        return replace(self, rows=block[0], cols=block[1])

    @property
    def block(self):
        """The blocked matmul's (rows, cols) at this width (4 columns with scalar code,
        where the tiled matmul does not fit the device)."""
        return self.rows, min(self.cols, self.width) if self.width else 4

    def __str__(self):
        return (f"grid={self.grid} width={self.width} reduce={self.reduce} "
                f"matmul={self.matmul} rows={self.rows} cols={self.cols}")


CPU_SHAPE = KernelParams()                                  # PoCL's best, measured (NOTES.md)
GPU_SHAPE = KernelParams("item", 0, "tree", "tiled")        # coalesced, work-group shaped
PRESETS = {"cpu": CPU_SHAPE, "gpu": GPU_SHAPE}
