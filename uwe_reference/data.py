"""Training graphs for UWE, built from the TRAIN side of the shared ESCO concept partition only.

Three bipartite graphs link skills (ESCO preferred labels) to one other kind of text:

- ``job``: ESCO occupation–skill relations (essential and optional) between train occupations and
  train skills; job text = occupation preferred label.
- ``alias``: each alternative label of a train skill ↔ the skill.
- ``sentence``: HOUSE/TECH *validation* sentences (their test files stay unseen) and SkillSkape
  *train* sentences, each linked to the train skills it is annotated with.

Val/test concepts of `esco_partition` never enter, so every ESCO task's val/test queries (and their
positives among val/test skills) stay unseen. Nodes are keyed by text on the non-skill side (an
alias shared by two skills is one node with two edges) and by URI on the skill side.

Batches (`GraphSampler`): a window of `batch_size` edges from a seeded per-epoch permutation; the
batch holds the distinct non-skill items and distinct skills of those edges, and its positive mask
comes from ALL known edges among them, so a skill shared by two in-batch jobs is a positive of both,
never a false negative. A batch is a pure function of (seed, graph, step): resuming needs no
sampler state.

The paper's form (`SharedSkillsSampler`, recipe field ``sampler="shared-skills"``): a step samples one
set of skills and, for those skills, their jobs, sentences and aliases, so every graph's loss sees the
same skills. Sentence padding (``sentence_padding`` = p, paper 0.8): each sentence gets a random
training sentence that matches none of the batch's skills appended with probability p.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from workbench.errors import WorkBenchError
from workbench.running.audit import normalise

from .recipes import GRAPHS

# Fallback when the task catalog is unavailable; normally read from the esco-job2skill task file so
# training uses exactly the partition the ESCO tasks use.
ESCO_FILES = {
    "classification": "esco/v1.1.1/ESCO dataset - v1.1.1 - classification - en - csv.zip",
    "relations": "esco/v1.1.1/ESCO dataset - v1.1.1 - classification -  - csv.zip",
}
DECORTE_VALIDATION = (
    "skill-extraction/decorte/house_validation_annotations.csv",
    "skill-extraction/decorte/tech_validation_annotations.csv",
)
SKILLSKAPE_TRAIN = "skill-extraction/skillskape/train.csv"
# The evaluation files of the same datasets: a training sentence that also occurs in one of them
# (the TECH release repeats some validation sentences in its test file) is left out of training.
HELD_OUT_SENTENCES = (
    "skill-extraction/decorte/house_test_annotations.csv",
    "skill-extraction/decorte/tech_test_annotations.csv",
    "skill-extraction/skillskape/test.csv",
    "skill-extraction/skillskape/dev.csv",
)
DECORTE_DROP = frozenset({"UNDERSPECIFIED", "LABEL NOT PRESENT"})


@dataclass
class Graph:
    """Bipartite graph: left items (jobs / sentences / aliases) × skills (indices into TrainingData.skill_*)."""

    name: str
    left_texts: list[str]
    edges: np.ndarray  # (E, 2) int64: (left index, skill index)
    sources: list[str]  # declared training-data names
    stats: dict = field(default_factory=dict)

    @property
    def n_edges(self) -> int:
        return int(self.edges.shape[0])

    def adjacency(self, n_skills: int) -> sp.csr_matrix:
        data = np.ones(self.n_edges, dtype=np.int8)
        adj = sp.csr_matrix((data, (self.edges[:, 0], self.edges[:, 1])), shape=(len(self.left_texts), n_skills))
        adj.sum_duplicates()
        return adj


@dataclass
class TrainingData:
    skill_uris: list[str]
    skill_texts: list[str]
    graphs: dict[str, Graph]
    esco_version: str
    realigned: bool = False

    def training_data_names(self) -> list[str]:
        return [s for g in self.graphs.values() for s in g.sources]

    def pairs(self) -> pd.DataFrame:
        """Every (query text, target text) training pair: graph, query_text, target_text, skill_uri.

        query = the job / sentence / alias, target = the skill's preferred label, exactly as trained on
        (after `realign` the skill identities are the permuted ones). For the leakage audit.
        """
        frames = []
        for name, g in self.graphs.items():
            left, skill = g.edges[:, 0], g.edges[:, 1]
            frames.append(
                pd.DataFrame(
                    {
                        "graph": name,
                        "query_text": np.asarray(g.left_texts, dtype=object)[left],
                        "target_text": np.asarray(self.skill_texts, dtype=object)[skill],
                        "skill_uri": np.asarray(self.skill_uris, dtype=object)[skill],
                    }
                )
            )
        if not frames:
            return pd.DataFrame(columns=["graph", "query_text", "target_text", "skill_uri"])
        return pd.concat(frames, ignore_index=True)

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            name: {
                "pairs": g.n_edges,
                "queries": len(g.left_texts),
                "skills": int(np.unique(g.edges[:, 1]).size),
                **g.stats,
            }
            for name, g in self.graphs.items()
        }

    def realign(self, seed: int, anchor: str | None = None) -> TrainingData:
        """Ablation: destroy cross-task alignment of skill identities, keep every graph's shape.

        The anchor graph (default: the first, i.e. ``job`` when present) keeps true identities; every
        other graph relabels its skills by an independent random permutation of the skills it uses. Each
        graph keeps its size and degree structure, but "skill k" no longer means the same skill in two
        graphs, so whatever the tasks share through the skill nodes is lost.
        """
        names = list(self.graphs)
        anchor = anchor or (names[0] if names else None)
        out = {}
        for i, (name, g) in enumerate(self.graphs.items()):
            if name == anchor:
                out[name] = g
                continue
            rng = np.random.default_rng([int(seed), 7919, i])
            used = np.unique(g.edges[:, 1])
            mapping = np.arange(len(self.skill_uris))
            mapping[used] = rng.permutation(used)
            edges = np.stack([g.edges[:, 0], mapping[g.edges[:, 1]]], axis=1)
            out[name] = replace(g, edges=edges, stats={**g.stats, "realigned": 1})
        return replace(self, graphs=out, realigned=True)


def _esco_files(data_dir: Path) -> tuple[dict[str, Path], dict]:
    files, params = dict(ESCO_FILES), {"language": "en"}
    try:
        from workbench.taskfiles.catalog import get_task_spec

        spec = get_task_spec("esco-job2skill")
        files = {k: spec.source.files[k] for k in ("classification", "relations")}
        params = dict(spec.source.params)
    except (WorkBenchError, KeyError, ImportError):
        pass
    return {k: data_dir / v for k, v in files.items()}, params


def _label_index(skill_uris: list[str], skill_texts: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Exact preferred label → skill, and a case/space-folded fallback (labels in annotation files drift)."""
    exact, folded = {}, {}
    for i, text in enumerate(skill_texts):
        exact.setdefault(text, i)
        folded.setdefault(" ".join(text.casefold().split()), i)
    return exact, folded


def _lookup(label: str, exact: dict[str, int], folded: dict[str, int]) -> int | None:
    hit = exact.get(label)
    return hit if hit is not None else folded.get(" ".join(label.casefold().split()))


def _graph_from_pairs(name: str, pairs: list[tuple[str, int]], sources: list[str], stats: dict) -> Graph:
    left_index: dict[str, int] = {}
    edges = set()
    for text, skill in pairs:
        edges.add((left_index.setdefault(text, len(left_index)), skill))
    arr = np.array(sorted(edges), dtype=np.int64).reshape(-1, 2)
    return Graph(name, list(left_index), arr, sources, stats)


def _held_out_sentences(data_dir: Path, stats: dict) -> set[str]:
    held_out = set()
    for rel in HELD_OUT_SENTENCES:
        path = data_dir / rel
        if not path.is_file():  # counted, so a training log shows the check was partial
            stats["held_out_files_missing"] += 1
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=["sentence"])
        held_out.update(normalise(t) for t in frame["sentence"])
    return held_out


def _sentence_pairs(data_dir: Path, label_to_skill) -> tuple[list[tuple[str, int]], dict]:
    pairs, stats = (
        [],
        {
            "decorte_rows": 0,
            "decorte_dropped_label": 0,
            "decorte_not_train_or_unknown": 0,
            "skillskape_labels": 0,
            "skillskape_unk": 0,
            "skillskape_not_train_or_unknown": 0,
            "held_out_sentence_dropped": 0,
            "held_out_files_missing": 0,
        },
    )
    held_out = _held_out_sentences(data_dir, stats)
    for rel in DECORTE_VALIDATION:
        frame = pd.read_csv(data_dir / rel, dtype=str, keep_default_na=False)
        for sentence, label in zip(frame["sentence"], frame["label"], strict=True):
            stats["decorte_rows"] += 1
            if label in DECORTE_DROP or not label.strip():
                stats["decorte_dropped_label"] += 1
                continue
            skill = label_to_skill(label)
            if skill is None:
                stats["decorte_not_train_or_unknown"] += 1
                continue
            if normalise(sentence) in held_out:
                stats["held_out_sentence_dropped"] += 1
                continue
            pairs.append((sentence, skill))
    frame = pd.read_csv(data_dir / SKILLSKAPE_TRAIN, dtype=str, keep_default_na=False)
    for sentence, raw in zip(frame["sentence"], frame["skills"], strict=True):
        labels = ast.literal_eval(raw) if raw.strip() else []  # a Python list literal, never eval()
        for label in labels:
            stats["skillskape_labels"] += 1
            if label == "UNK":
                stats["skillskape_unk"] += 1
                continue
            skill = label_to_skill(str(label))
            if skill is None:
                stats["skillskape_not_train_or_unknown"] += 1
                continue
            if normalise(sentence) in held_out:
                stats["held_out_sentence_dropped"] += 1
                continue
            pairs.append((sentence, skill))
    return pairs, stats


def build_training_data(data_dir: str | Path, graphs: list[str] | tuple[str, ...] = GRAPHS) -> TrainingData:
    """The training graphs named in `graphs`, from the data directory (publisher layout)."""
    from workbench.ontologies.esco import EscoRelease
    from workbench.sources import LoaderContext
    from workbench.sources.esco import esco_partition

    unknown = sorted(set(graphs) - set(GRAPHS))
    if unknown or not graphs:
        raise WorkBenchError(f"graphs must be a non-empty subset of {GRAPHS}, got {list(graphs)}")
    data_dir = Path(data_dir)
    files, params = _esco_files(data_dir)
    ctx = LoaderContext(data_dir, files, params, "uwe-training")
    split = esco_partition(ctx)
    release = EscoRelease(files["classification"], files["relations"], language=params.get("language", "en"))
    version = files["classification"].parent.name  # e.g. v1.1.1 (the publisher's folder)

    all_skills = release.skills()
    # labels are looked up among ALL skills first, then kept only if that skill is train: a val/test
    # skill's label can never be matched (e.g. case-folded) onto a different train skill
    all_uris = all_skills["uri"].astype(str).tolist()
    exact, folded = _label_index(all_uris, all_skills["preferred_label"].astype(str).tolist())
    skills = all_skills[all_skills["uri"].map(split).eq("train")].reset_index(drop=True)
    skill_uris = skills["uri"].astype(str).tolist()
    skill_texts = skills["preferred_label"].astype(str).tolist()
    skill_pos = {u: i for i, u in enumerate(skill_uris)}

    def label_to_train_skill(label: str) -> int | None:
        hit = _lookup(label, exact, folded)
        return None if hit is None else skill_pos.get(all_uris[hit])

    built: dict[str, Graph] = {}
    for name in graphs:
        if name == "job":
            occ = release.occupations()
            occ = occ[occ["uri"].map(split).eq("train")]
            occ_text = dict(zip(occ["uri"].astype(str), occ["preferred_label"].astype(str), strict=True))
            rel = release.occupation_skill_relations()
            keep = rel["occupation_uri"].isin(occ_text) & rel["skill_uri"].isin(skill_pos)
            pairs = [
                (occ_text[o], skill_pos[s])
                for o, s in zip(rel.loc[keep, "occupation_uri"], rel.loc[keep, "skill_uri"], strict=True)
            ]
            built[name] = _graph_from_pairs(
                name,
                pairs,
                [f"esco:{version}:train-partition:occupation-skill"],
                {"relations_total": len(rel), "relations_train": int(keep.sum())},
            )
        elif name == "alias":
            pairs = [(alt, i) for i, alts in enumerate(skills["alt_labels"]) for alt in alts if alt.strip()]
            built[name] = _graph_from_pairs(name, pairs, [f"esco:{version}:train-partition:skill-alias"], {})
        else:
            pairs, stats = _sentence_pairs(data_dir, label_to_train_skill)
            built[name] = _graph_from_pairs(name, pairs, ["decorte:house+tech:validation", "skillskape:train"], stats)
    return TrainingData(skill_uris, skill_texts, built, version)


def training_pairs(data_dir: str | Path, graphs: list[str] | tuple[str, ...] = GRAPHS) -> pd.DataFrame:
    """All (query text, target text) training pairs of the given graphs (see TrainingData.pairs)."""
    return build_training_data(data_dir, graphs).pairs()


@dataclass
class Batch:
    graph: str
    left_texts: list[str]
    skill_texts: list[str]
    positives: torch.Tensor  # (len(left_texts), len(skill_texts)) bool
    pads: list[str | None] | None = None  # per left text: the sentence appended to it (sentence padding), or None


class GraphSampler:
    """Deterministic batches of one graph: batch(step) depends only on (seed, graph, step)."""

    def __init__(
        self,
        data: TrainingData,
        name: str,
        batch_size: int,
        seed: int,
        per_edge: bool = False,
        sentence_padding: float = 0.0,
    ):
        self.graph = data.graphs[name]
        self.sentence_padding = float(sentence_padding)
        self.skill_texts = data.skill_texts
        self.batch_size = int(batch_size)
        self.seed = int(seed)
        # per_edge: one row per sampled edge, texts repeated (the plain recipe); else distinct items
        self.per_edge = bool(per_edge)
        self.graph_code = GRAPHS.index(name) if name in GRAPHS else 99
        self.adjacency = self.graph.adjacency(len(data.skill_uris))
        e = self.graph.n_edges
        if e == 0:
            raise WorkBenchError(f"training graph {name!r} has no edges (check the data directory and partition)")
        self.windows_per_epoch = max(1, e // self.batch_size)  # the remainder of an epoch is skipped
        self._epoch, self._perm = -1, None

    def _permutation(self, epoch: int) -> np.ndarray:
        if epoch != self._epoch:
            rng = np.random.default_rng([self.seed, self.graph_code, epoch])
            self._epoch, self._perm = epoch, rng.permutation(self.graph.n_edges)
        return self._perm

    def batch(self, step: int) -> Batch:
        epoch, window = divmod(int(step), self.windows_per_epoch)
        idx = self._permutation(epoch)[window * self.batch_size : (window + 1) * self.batch_size]
        edges = self.graph.edges[idx]
        if self.per_edge:
            lefts, skills = edges[:, 0], edges[:, 1]
            positives = torch.eye(len(edges), dtype=torch.bool)
        else:
            lefts, skills = pd.unique(edges[:, 0]), pd.unique(edges[:, 1])
            positives = torch.from_numpy(self.adjacency[lefts][:, skills].toarray() > 0)
        return _padded_batch(
            self.graph.name,
            [self.graph.left_texts[i] for i in lefts],
            [self.skill_texts[i] for i in skills],
            positives,
            self.graph,
            self.adjacency,
            pd.unique(skills),
            self.sentence_padding,
            self.seed,
            step,
        )


# -- the paper's form: one skill set per step, shared by every graph ------------------------------
PAD_SALT, ITEM_SALT, SKILL_SALT = 104729, 15485863, 32452843  # separate RNG streams per purpose


def pad_sentences(
    texts: list[str],
    graph: Graph,
    adjacency: sp.csr_matrix,
    batch_skills: np.ndarray,
    probability: float,
    rng: np.random.Generator,
) -> tuple[list[str], list[str | None]]:
    """Append to each sentence, with `probability`, one random training sentence that matches no batch skill.

    The pad is drawn from this graph's own sentences (training data only: no val/test sentence can be
    drawn) that have no edge to any skill of the batch, so it never carries a positive of the sentence's
    skills nor of any in-batch negative. Appended rather than prepended: with 64-token truncation a
    long pad in front could cut the matching sentence off. Returns (padded texts, pad per text or None).
    """
    if probability <= 0 or not texts:
        return list(texts), [None] * len(texts)
    linked = np.asarray(adjacency[:, batch_skills].sum(axis=1)).ravel() > 0
    pool = np.flatnonzero(~linked)
    draws = rng.random(len(texts)) < probability
    picks = rng.integers(0, max(1, pool.size), size=len(texts))
    out, pads = [], []
    for text, draw, pick in zip(texts, draws, picks, strict=True):
        pad = graph.left_texts[pool[pick]] if draw and pool.size else None
        out.append(text if pad is None else f"{text} {pad}")
        pads.append(pad)
    return out, pads


class SharedSkillsSampler:
    """The paper's batches: one set of skills per step and, for those skills, items of every graph.

    A step's skills are the union of one window per graph of a seeded per-epoch permutation of the
    skills that graph links (`batch_size // len(graphs)` each, so a sparse graph such as ``sentence``
    still contributes its share). Every graph's batch then holds ALL the step's skills as candidates
    and, for each step skill it links, one of that skill's items drawn at random; its positive mask
    comes from all known edges among them (false negatives masked). Every loss term thus sees the same
    skills, and the skill encodings can be computed once per step. A step's batches are a pure function
    of (seed, step): resuming needs no sampler state.
    """

    def __init__(
        self, data: TrainingData, graphs: list[str], batch_size: int, seed: int, sentence_padding: float = 0.0
    ):
        self.data, self.graphs = data, list(graphs)
        self.seed, self.sentence_padding = int(seed), float(sentence_padding)
        n_skills = len(data.skill_uris)
        self.adjacency = {g: data.graphs[g].adjacency(n_skills) for g in self.graphs}
        self.by_skill = {g: adj.tocsc() for g, adj in self.adjacency.items()}  # column s: the items of skill s
        self.linked = {g: np.flatnonzero(np.diff(self.by_skill[g].indptr)) for g in self.graphs}
        empty = [g for g in self.graphs if self.linked[g].size == 0]
        if empty:
            raise WorkBenchError(f"training graph(s) {empty} have no edges (check the data directory and partition)")
        self.per_graph = max(1, int(batch_size) // len(self.graphs))
        self._perms: dict[tuple[str, int], np.ndarray] = {}

    def _code(self, graph: str) -> int:
        return GRAPHS.index(graph) if graph in GRAPHS else 99

    def _window(self, graph: str, step: int) -> np.ndarray:
        skills = self.linked[graph]
        size = min(self.per_graph, skills.size)
        epoch, window = divmod(int(step), max(1, skills.size // size))
        if (graph, epoch) not in self._perms:
            self._perms = {k: v for k, v in self._perms.items() if k[0] != graph}  # keep one epoch per graph
            rng = np.random.default_rng([self.seed, SKILL_SALT, self._code(graph), epoch])
            self._perms[(graph, epoch)] = rng.permutation(skills)
        return self._perms[(graph, epoch)][window * size : (window + 1) * size]

    def step_skills(self, step: int) -> np.ndarray:
        """The step's skill indices: per-graph windows, concatenated in graph order, duplicates dropped."""
        return pd.unique(np.concatenate([self._window(g, step) for g in self.graphs]))

    def batches(self, step: int) -> dict[str, Batch]:
        skills = self.step_skills(step)
        skill_texts = [self.data.skill_texts[i] for i in skills]
        out = {}
        for g in self.graphs:
            rng = np.random.default_rng([self.seed, ITEM_SALT, self._code(g), int(step)])
            cols = self.by_skill[g]
            items = []
            for s in skills:
                own = cols.indices[cols.indptr[s] : cols.indptr[s + 1]]
                if own.size:
                    items.append(own[rng.integers(own.size)])
            lefts = pd.unique(np.asarray(items, dtype=np.int64))
            positives = torch.from_numpy(self.adjacency[g][lefts][:, skills].toarray() > 0)
            texts = [self.data.graphs[g].left_texts[i] for i in lefts]
            out[g] = _padded_batch(
                g,
                texts,
                skill_texts,
                positives,
                self.data.graphs[g],
                self.adjacency[g],
                skills,
                self.sentence_padding,
                self.seed,
                step,
            )
        return out


def _padded_batch(
    name: str,
    texts: list[str],
    skill_texts: list[str],
    positives: torch.Tensor,
    graph: Graph,
    adjacency: sp.csr_matrix,
    skills: np.ndarray,
    padding: float,
    seed: int,
    step: int,
) -> Batch:
    """A Batch, its sentences padded (sentence graph only) from a stream seeded by (seed, graph, step)."""
    pads: list[str | None] = [None] * len(texts)
    if name == "sentence" and padding > 0:
        rng = np.random.default_rng([int(seed), PAD_SALT, GRAPHS.index(name), int(step)])
        texts, pads = pad_sentences(texts, graph, adjacency, skills, padding, rng)
    return Batch(name, texts, skill_texts, positives, pads)
