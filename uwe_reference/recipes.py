"""Training recipes: a validated config per named setting, plus the ablation switches.

- ``tiny``: fixture-sized smoke run (the tests write the data), all-MiniLM-L6-v2, well under a minute.
- ``cpu-small``: all-MiniLM-L6-v2 on the real data, sized for ≤ 20 minutes on 2 CPU cores: 32 edges per
  graph per step, 300 steps. Measured here with one torch thread: a step costs ~3.8 CPU-s (job 0.7,
  sentence 2.2 — 64-token sentences dominate —, alias 0.7, AdamW 0.15), so ~1,150 CPU-s of training plus
  ~40 s of loading and checkpoints. Peak lr 1e-4 (a little above the paper's 8e-5: the run is short).
- ``cpu-paper``: cpu-small's backbone and budget with the paper's batches: one set of 64 skills per step
  shared by the three graphs, sentence padding p 0.8, attention from token cosines (chosen on val in
  earlier runs, docs/uwe.md); 250 steps of ~3.9 CPU-s (measured, one thread), checkpoints every 25.
- ``cpu-long``: the CPU-trained UWE for the board, ≤ 2 h on 2 cores: cpu-paper's batches with the loss
  direction (one-directional) and attention temperature (τa 0.3, in training and at scoring) chosen on the
  val tasks, 1,200 steps on 2 torch threads (~2.3 s a step on 2 quiet cores: ~47 min), every checkpoint
  kept (12 × 259 MB) so `workbench uwe curve` can score them all on val. Named `uwe-cpu-long`: its
  recipe's own settings are not listed in the name (``name_recipe_ablations=False``).
- ``paper``: all-mpnet-base-v2, one set of 512 skills per step shared by the three graphs (their jobs,
  sentences and aliases; ``sampler="shared-skills"``), sentences padded with p 0.8, AdamW, peak lr 8e-5,
  10 % warm-up then linear decay, bf16/fp16 autocast and torch.compile on CUDA. The step count is not in the notes we
  have; 3,000 steps is ~27 passes over our (ESCO-only) job graph, far smaller than the paper's 3.3M pairs.

Loss weights and temperatures follow the paper: job 1.0 (τ 0.05), sentence 0.5 (τ 0.02), alias 0.5 (τ 0.02).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workbench.errors import WorkBenchError

# The three training graphs (see data.py); defined here so the CLI can import it without torch/pandas.
GRAPHS = ("job", "sentence", "alias")
ABLATIONS = ("realign", "one-directional", "pooled", "plain", "cosine-attention")
# How a step's batches are drawn (data.py): edges per graph independently, or the paper's one skill set
# per step shared by every graph (batch_size = skills per step).
SAMPLERS = ("per-graph", "shared-skills")
# The "plain" reference recipe: sentence-transformers' MultipleNegativesSymmetricRankingLoss in our loop.
# Every sampled edge is its own row (a skill shared by two edges of a batch is a false negative of the
# other), one positive per row, pooled cosine, scale 20 (τ 0.05) and weight 1 on every graph.
PLAIN_TEMPERATURE = 0.05
_TAG = r"^[a-z0-9][a-z0-9.-]*$"


class RecipeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    base_model: str = "all-MiniLM-L6-v2"
    max_seq_length: int = Field(64, ge=1)
    graphs: list[str] = Field(default_factory=lambda: list(GRAPHS))
    batch_size: int = Field(
        64,
        ge=2,
        description="per-graph: edges per graph per step (distinct items kept); shared-skills: skills per step",
    )
    sampler: Literal["per-graph", "shared-skills"] = "per-graph"
    # probability that a training sentence gets a random non-matching training sentence appended (paper 0.8)
    sentence_padding: float = Field(0.0, ge=0, le=1)
    max_steps: int = Field(100, ge=1)
    lr: float = Field(8e-5, gt=0)
    warmup_ratio: float = Field(0.1, ge=0, lt=1)
    weight_decay: float = Field(0.01, ge=0)
    max_grad_norm: float | None = 1.0
    loss_weights: dict[str, float] = Field(default_factory=lambda: {"job": 1.0, "sentence": 0.5, "alias": 0.5})
    temperatures: dict[str, float] = Field(default_factory=lambda: {"job": 0.05, "sentence": 0.02, "alias": 0.02})
    tau_a: float = Field(0.1, gt=0)
    attention: Literal["dot", "cosine"] = "dot"
    scoring: Literal["late", "maxsim", "pooled"] = "late"
    symmetric: bool = True
    loss: Literal["many-to-many", "plain"] = "many-to-many"
    mask_other_positives: bool = True
    realign_random: bool = False
    seed: int = 0
    checkpoint_every: int = Field(100, ge=1)
    keep_checkpoints: int = Field(2, ge=1)
    amp: Literal["auto", "off", "bf16", "fp16"] = "auto"  # auto: bf16 (or fp16) on CUDA, off elsewhere
    compile: Literal["auto", "off", "on"] = "auto"  # auto: torch.compile on CUDA only
    device: str | None = None
    # CPU threads for torch (None: torch's default). On a shared machine 1 thread is often faster than 2:
    # OpenMP workers spin-wait for a descheduled sibling (measured here: 0.24 s vs 1.2-6 s per MiniLM
    # forward+backward of 32 labels under load). Not part of what the model learns.
    threads: int | None = Field(None, ge=1)
    # appended to the model name, e.g. the hardware a run was trained on ("h100"); not learned from
    tag: str | None = Field(None, pattern=_TAG)
    # True: the model name lists every ablation, the recipe's own too (the older recipes' names, e.g.
    # uwe-cpu-paper-cosine-attention, which committed rows and cards carry). False: only what a run
    # changes from its recipe, so the recipe's own run is named uwe-<recipe> and is no variant.
    name_recipe_ablations: bool = True

    @field_validator("graphs")
    @classmethod
    def _known_graphs(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(GRAPHS))
        if unknown or not value:
            raise ValueError(f"graphs must be a non-empty subset of {list(GRAPHS)}, got {value}")
        return [g for g in GRAPHS if g in value]  # canonical order: the realign anchor is job when present

    @model_validator(mode="after")
    def _plain_is_per_edge(self) -> RecipeConfig:
        if self.loss == "plain" and self.sampler != "per-graph":
            raise ValueError("the plain loss pairs each sampled edge with its own row: it needs sampler='per-graph'")
        return self

    def ablations(self) -> list[str]:
        out = []
        if self.realign_random:
            out.append("realign")
        if self.loss == "plain":
            return [*out, "plain"]  # plain implies pooled scoring and its own temperatures
        if not self.symmetric:
            out.append("one-directional")
        if self.scoring != "late":
            out.append(self.scoring)
        if self.attention == "cosine" and self.scoring == "late":
            out.append("cosine-attention")
        if not self.mask_other_positives:
            out.append("no-positive-mask")
        return out

    def model_name(self) -> str:
        name = f"uwe-{self.name}"
        if self.graphs != list(GRAPHS):
            name += "-" + "+".join(self.graphs)
        # a step budget or attention temperature other than the recipe's is a different model: it must not
        # share a results folder with the recipe's own
        default = RECIPES.get(self.name)
        changed = []
        if default is not None and self.max_steps != default.max_steps:
            changed.append(f"{self.max_steps}steps")
        if default is not None and self.tau_a != default.tau_a:
            changed.append(f"tau{self.tau_a:g}")
        if default is not None and self.sampler != default.sampler:
            changed.append(self.sampler)
        if default is not None and self.sentence_padding != default.sentence_padding:
            changed.append(f"pad{self.sentence_padding:g}")
        ablations = self.ablations()
        if default is not None and not self.name_recipe_ablations:
            ablations = [a for a in ablations if a not in default.ablations()]
        return "-".join([name, *ablations, *changed, *([self.tag] if self.tag else [])])

    def variant_of(self) -> str | None:
        """The recipe's own model name when this run changes graphs, ablations, steps or tau_a (a tag alone
        does not): the leaderboard lists such a run beside the main ranking, as a variant of that model."""
        plain = f"uwe-{self.name}"
        untagged = self.model_name().removesuffix(f"-{self.tag}") if self.tag else self.model_name()
        return plain if untagged != plain else None

    def with_options(
        self,
        *,
        graphs: list[str] | None = None,
        ablations: list[str] | None = None,
        max_steps: int | None = None,
        seed: int | None = None,
        tau_a: float | None = None,
        base_model: str | None = None,
        tag: str | None = None,
        sampler: str | None = None,
        sentence_padding: float | None = None,
    ) -> RecipeConfig:
        """A copy with the CLI's experiment switches applied (validated)."""
        update: dict = {}
        if graphs:
            update["graphs"] = list(graphs)
        for ablation in ablations or []:
            if ablation == "realign":
                update["realign_random"] = True
            elif ablation == "one-directional":
                update["symmetric"] = False
            elif ablation == "pooled":
                update["scoring"] = "pooled"
            elif ablation == "cosine-attention":
                # attention logits from token cosines / τa (bounded by ±1/τa) instead of raw dot products,
                # whose size follows the token norms (7-12 for MiniLM: near-hard MaxSim at τa 0.1)
                update["attention"] = "cosine"
            elif ablation == "plain":
                update.update(
                    loss="plain",
                    scoring="pooled",
                    symmetric=True,
                    sampler="per-graph",
                    temperatures=dict.fromkeys(GRAPHS, PLAIN_TEMPERATURE),
                    loss_weights=dict.fromkeys(GRAPHS, 1.0),
                )
            else:
                raise WorkBenchError(f"unknown ablation {ablation!r}; known: {', '.join(ABLATIONS)}")
        if max_steps is not None:
            update["max_steps"] = int(max_steps)
        if seed is not None:
            update["seed"] = int(seed)
        if tau_a is not None:
            update["tau_a"] = float(tau_a)
        if base_model is not None:
            update["base_model"] = str(base_model)
        if tag is not None:
            update["tag"] = tag
        if sampler is not None:
            update["sampler"] = sampler
        if sentence_padding is not None:
            update["sentence_padding"] = float(sentence_padding)
        return RecipeConfig.model_validate({**self.model_dump(), **update})


# the paper's batches at the cpu-small budget (measured: 976 CPU-s for 250 steps of 64 skills, one thread)
_CPU_PAPER = RecipeConfig(
    name="cpu-paper",
    batch_size=64,
    max_steps=250,
    lr=1e-4,
    sampler="shared-skills",
    sentence_padding=0.8,
    attention="cosine",
    checkpoint_every=25,
)

RECIPES: dict[str, RecipeConfig] = {
    # tiny batches gain nothing from intra-op threads, and on a shared machine 2 threads can be 5x slower
    "tiny": RecipeConfig(name="tiny", batch_size=8, max_steps=30, lr=2e-4, checkpoint_every=30, threads=1),
    "cpu-small": RecipeConfig(name="cpu-small", batch_size=32, max_steps=300, lr=1e-4, checkpoint_every=50),
    "cpu-paper": _CPU_PAPER,
    # the CPU-trained UWE for the board: cpu-paper's batches, the loss direction and τa chosen on val
    # (τa 0.3 in training too, so the model scores at it by default) and ~5x the steps; two threads
    # (~2.4 s a step on 2 quiet cores), every checkpoint kept for the val curve (`workbench uwe curve`)
    "cpu-long": RecipeConfig.model_validate(
        {
            **_CPU_PAPER.model_dump(),
            "name": "cpu-long",
            "max_steps": 1200,
            "symmetric": False,
            "tau_a": 0.3,
            "checkpoint_every": 100,
            "keep_checkpoints": 12,
            "threads": 2,
            "name_recipe_ablations": False,
        }
    ),
    # the paper's backbone on this CPU (issue 28): cpu-long's batches, loss direction and τa (chosen on val
    # with MiniLM), the paper's mpnet lr 8e-5 and 64 tokens; 300 steps (~11 s a step on 2 threads: ~1 h),
    # a checkpoint every 50 kept for the val curve, which picks the step before test is read
    "cpu-mpnet": RecipeConfig.model_validate(
        {
            **_CPU_PAPER.model_dump(),
            "name": "cpu-mpnet",
            "base_model": "all-mpnet-base-v2",
            "max_steps": 300,
            "lr": 8e-5,
            "symmetric": False,
            "tau_a": 0.3,
            "checkpoint_every": 50,
            "keep_checkpoints": 6,
            "threads": 2,
            "name_recipe_ablations": False,
        }
    ),
    "paper": RecipeConfig(
        name="paper",
        base_model="all-mpnet-base-v2",
        batch_size=512,
        max_steps=3000,
        lr=8e-5,
        sampler="shared-skills",
        sentence_padding=0.8,
        checkpoint_every=250,
    ),
}


def get_recipe(name: str) -> RecipeConfig:
    if name not in RECIPES:
        raise WorkBenchError(f"unknown UWE recipe {name!r}; known: {', '.join(RECIPES)}")
    return RECIPES[name].model_copy(deep=True)
