"""``skser info``: the model card of a saved model (.joblib, .onnx or a Hub folder)."""

import json

from ..utils import expand_path
from ._options import model_help

__all__ = ["add_parser", "run"]


def add_parser(commands):
    """Add ``info`` to ``commands`` (an argparse subparsers object)."""
    command = commands.add_parser(
        "info", help="what a saved model is: task, labels, training data, evaluation, licence")
    command.add_argument("model", help=model_help("a .joblib pipeline, an .onnx export or a "
                                                  "folder from save_pretrained"))
    command.add_argument("--json", action="store_true", help="the card as JSON")
    command.set_defaults(run=run)
    return command


def _card(path):
    from ..hub import ModelCard

    folder = expand_path(path)
    if folder.is_dir():  # a save_pretrained folder: the card is its README, no model loaded
        readme = folder / "README.md"
        if not readme.is_file():
            raise FileNotFoundError(f"{folder} has no README.md: not a save_pretrained folder")
        return ModelCard.from_markdown(readme.read_text(encoding="utf-8"))
    from ..hub import read_card
    from ._shared import load_model

    card = read_card(load_model(path))
    if card is None:
        raise ValueError(f"{path} carries no model card: it was saved before skser wrote "
                         "cards, or not by skser train / evaluate --save")
    return card


def run(args):
    """Print the card as text, or as JSON with ``--json``."""
    card = _card(args.model)
    print(json.dumps(card.to_dict(), indent=2) if args.json else card.to_text())
    return 0
