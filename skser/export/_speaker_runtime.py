"""Speaker adaptation in :class:`OnnxPipeline`: embeddings, statistics, then the head.

The exported graph outputs the raw ``embeddings`` and takes ``speaker_mean`` and
``speaker_scale``. The head (everything after ``embeddings``) is cut out of the same
model once, so each clip is embedded once: embeddings of the whole batch first, then the
statistics of each speaker (enrolled, or their own clips'), then the head. Torch-free.
"""

import numpy as np

from ..utils import row_statistics
from ._speaker import EMBEDDINGS, SPEAKER_MEAN, SPEAKER_SCALE

__all__ = ["SpeakerHead"]


class SpeakerHead:
    """The head of an exported speaker-adapted model, run on embeddings and statistics."""

    def __init__(self, model, session_options, settings):
        import onnx
        import onnxruntime as ort
        from onnx import numpy_helper
        from onnx.utils import Extractor

        if isinstance(model, str):
            model = onnx.load(model)
        elif isinstance(model, bytes):
            model = onnx.load_from_string(model)
        head = Extractor(model).extract_model(
            [EMBEDDINGS, SPEAKER_MEAN, SPEAKER_SCALE], ["label", "probabilities"]
        )
        defaults = {t.name: numpy_helper.to_array(t) for t in head.graph.initializer
                    if t.name in (SPEAKER_MEAN, SPEAKER_SCALE)}
        self.mean = defaults[SPEAKER_MEAN][0].astype(np.float64)
        self.scale = defaults[SPEAKER_SCALE][0].astype(np.float64)
        self.min_clips = int(settings["min_clips"])
        self.session = ort.InferenceSession(
            head.SerializeToString(), session_options, providers=["CPUExecutionProvider"]
        )

    def run(self, embeddings, speakers, speaker_stats, batch_size):
        """Labels and probabilities of each row of ``embeddings``."""
        means, scales, _ = row_statistics(
            embeddings, speakers, speaker_stats, mean=self.mean, scale=self.scale,
            min_clips=self.min_clips, owner="OnnxPipeline",
        )
        labels, probabilities = [], []
        for start in range(0, len(embeddings), batch_size):
            rows = slice(start, start + batch_size)
            label, proba = self.session.run(["label", "probabilities"], {
                EMBEDDINGS: embeddings[rows].astype(np.float32),
                SPEAKER_MEAN: means[rows].astype(np.float32),
                SPEAKER_SCALE: scales[rows].astype(np.float32),
            })
            labels.append(label)
            probabilities.append(proba)
        return np.concatenate(labels), np.concatenate(probabilities)
