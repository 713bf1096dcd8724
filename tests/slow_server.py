"""A `translator serve` process over a slow fake model, for the shutdown test: every batch takes
DELAY seconds and holds one short sentence, one translation worker, extractive summaries. The
file MARKER is written when the first batch starts, so the test knows work is running.

    python tests/slow_server.py PORT MARKER DELAY
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from translator import Pipeline, load_config  # noqa: E402
from translator.engine import Parts
from translator.engine.summarize import SummaryStage  # noqa: E402
from translator.engine.translate import Translator  # noqa: E402
from translator.server.app import ServerSettings  # noqa: E402
from translator.server.run import serve  # noqa: E402

from fakes import FakeModel  # noqa: E402


class SlowModel(FakeModel):
    def __init__(self, marker: Path, delay: float, **kwargs):
        super().__init__(**kwargs)
        self.marker, self.delay = marker, delay

    def generate(self, texts, settings, candidates=1):
        self.marker.touch()
        time.sleep(self.delay)  # the model's own cost: what the test shuts down in the middle of
        return super().generate(texts, settings, candidates)


def main() -> int:
    port, marker, delay = int(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
    loaded = load_config(None)
    translation = loaded.translation.model_copy(
        update={"max_batch_tokens": 10, "retry_generation": None, "candidates": 1}
    )
    config = loaded.model_copy(
        update={"translation": translation, "cache": None, "glossary": ()}
    ).with_changes({name: {"threads": 1, "workers": 1} for name in ("translation", "summarization")})
    model = SlowModel(marker, delay, max_input_tokens=64, max_positions=256)
    summary = SummaryStage(
        config.summarization.model_copy(update={"method": "extractive"}), None, "extractive"
    )
    pipeline = Pipeline(Parts(config, Translator(model, config.translation), summary))
    return serve(config, ServerSettings(), port=port, load_pipeline=lambda profile: pipeline)


if __name__ == "__main__":
    sys.exit(main())
