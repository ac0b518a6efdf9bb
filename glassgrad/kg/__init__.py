"""glassgrad.kg: knowledge-graph embeddings and filtered link prediction.

Models (models.py): TransE, DistMult, ComplEx, RotatE. Training (training.py): 1-N LCWA,
1-vs-all and negative sampling, with the losses of losses.py and the N3/L2 regularisers of
regularizers.py. Evaluation (evaluation.py): filtered realistic ranks on both sides, MRR and
Hits@k with 95% CIs, per relation. Data (datasets.py): Nations, Kinships, UMLS, shipped.
"""
from .datasets import DATASETS, KGDataset, from_files, kinships, load_dataset, nations, umls
from .evaluation import Filter, RankingResult, evaluate, realistic_ranks
from .losses import (bce_loss, cross_entropy_loss, margin_ranking_loss, pairwise_bce_loss,
                     softplus_loss)
from .models import MODELS, ComplEx, DistMult, KGModel, RotatE, TransE, get_model
from .regularizers import l2, n3
from .sampling import NegativeSampler, bernoulli_head_probability
from .training import train
from .triples import TriplesFactory, add_inverse_triples, check_triples, read_triples_file

__all__ = ["ComplEx", "DATASETS", "DistMult", "Filter", "KGDataset", "KGModel", "MODELS",
           "NegativeSampler", "RankingResult", "RotatE", "TransE", "TriplesFactory",
           "add_inverse_triples", "bce_loss", "bernoulli_head_probability", "check_triples",
           "cross_entropy_loss", "evaluate", "from_files", "get_model", "kinships", "l2",
           "load_dataset", "margin_ranking_loss", "n3", "nations", "pairwise_bce_loss",
           "read_triples_file", "realistic_ranks", "softplus_loss", "train", "umls"]
