"""UWE reference implementation: one bi-encoder with soft late interaction, trained on three graphs.

Modules (importing this package loads nothing heavy; torch comes with encoder/model/train):
  encoder          backbone (sentence-transformers folder) → token embeddings + mean pooling
  late_interaction the scorer (soft late interaction; MaxSim and pooled for ablations)
  loss             bidirectional many-to-many InfoNCE
  data             training graphs from the train side of the ESCO partition; batches; pairs() export
  recipes, train   recipes (tiny, cpu-small, paper), the resumable training loop
  model            UWEModel (WorkBench scoring model), load_uwe(DIR) for `--model uwe:DIR`
  named, cards/    a model card per committed UWE row; `--model <row>`: weights from the cache, a hub repo or
                   trained from the recorded recipe
  cli              `uwe_cli`, the `workbench uwe train|export|install` command group
"""
