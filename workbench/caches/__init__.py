"""Every cache of a run, in one place: what it is keyed by and what must stay true (docs/caches.md says why).

A cache only ever costs time: deleting any of them gives the same results, only slower; a missing,
damaged, foreign or stale entry is ignored and rebuilt, never trusted and never a failed run.

=====================  =====================================  ====================================================
cache                  key                                    invariant
=====================  =====================================  ====================================================
embeddings             model name, revision, settings, role,  a row's vector is what this model, with these
(`caches.embeddings`)  input type, prompt; row: hash of text  settings and prompt, returns for this text (checked)
model metadata         model as given + settings; valid       info and prompts are what loading the model now
(`caches.model_memo`)  while the content keys of its files    would report
                       and modules match
built datasets         task spec hash, data sha256s, builder  the stored dataset is what building it now gives
(`workbench.running.task`)     source, Python minor, package version
data checksums,        path -> content key (size + xxh3 of    the sha256 is that of the file's current bytes
model file hashes      every byte; never size or mtime)
(`file_hashes`)
hf-datasets builds     a local file's content key             the rows are those of the file's current bytes
(`ontologies.tabular`)
UWE target index       model revision, max_seq_length,        the stored token embeddings are what the encoder
(`uwe_reference`)      target texts, index format             gives for these texts
UWE weights by name    the card's weights_name; checked by    the weights are the card's (or this machine's
(`uwe_reference`)      sha256 on every use                    training of its recipe); a mismatch is an error
=====================  =====================================  ====================================================

Only the first two sit between a run and its model, as layers around it: `lazy_model` (the model is
loaded only when the memo cannot answer) inside `CachedModel` (vectors read before the model is asked).
Result files are not a cache: `workbench.results.result_store` decides when one may be reused.
"""

from workbench.caches.embeddings import CachedModel, EmbeddingCache
from workbench.caches.model_memo import LazyModel, lazy_model

__all__ = ["CachedModel", "EmbeddingCache", "LazyModel", "lazy_model"]
