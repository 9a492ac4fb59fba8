"""Dataset: `RankingDataset` (ids, texts, sparse relevance) and the policies that shape it."""
