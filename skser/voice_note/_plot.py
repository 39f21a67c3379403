"""The timeline plot of a voice note: speech shaded, then each task's curves."""

from pathlib import Path

import numpy as np

from ..utils import CATEGORICAL, DIMENSIONAL

__all__ = ["plot_timeline"]

SPEECH_COLOR = "0.88"
UNCERTAIN_COLOR = "0.6"
_BAND = (1.03, 0.09)  # the winning-class band, above the probabilities: (bottom, height)


def _owned_spans(windows):
    """Each window's own stretch: where two overlap, each owns its half of the overlap."""
    starts, ends = windows[:, 0].astype(float), windows[:, 1].astype(float)
    if len(windows) > 1:
        overlap = windows[1:, 0] < windows[:-1, 1]
        middle = (windows[1:, 0] + windows[:-1, 1]) / 2
        starts[1:] = np.where(overlap, middle, starts[1:])
        ends[:-1] = np.where(overlap, middle, ends[:-1])
    return starts, ends


def _draw_probabilities(ax, result, centres, breaks):
    """Each class's line, its opaque bars and the winning-class band; the verdict."""
    windows = result.windows
    starts, ends = _owned_spans(windows)
    winners = np.argmax(result.window_proba, axis=1) if len(windows) else np.array([], int)
    colors = []
    for index, name in enumerate(result.classes.tolist()):
        values = np.insert(result.window_proba[:, index], breaks, np.nan)
        (line,) = ax.plot(centres, values, marker="o", markersize=3, label=str(name))
        colors.append(line.get_color())
        # Each window's probability spans the audio it owns, opaque: nothing blends.
        ax.hlines(result.window_proba[:, index], starts, ends, colors=line.get_color(),
                  linewidth=2.5)
    uncertain = result.window_uncertain
    for index, color in enumerate(colors):
        won = (winners == index) & ~uncertain
        ax.broken_barh(list(zip(starts[won], ends[won] - starts[won])), _BAND,
                       facecolors=color, edgecolors="white", linewidth=0.5, zorder=3)
    if result.min_confidence is not None:
        # Windows under the threshold: grey and hatched, labelled "uncertain".
        ax.broken_barh(list(zip(starts[uncertain], ends[uncertain] - starts[uncertain])),
                       _BAND, facecolors=UNCERTAIN_COLOR, edgecolors="white", hatch="//",
                       linewidth=0.5, zorder=3, label="uncertain")
        ax.axhline(result.min_confidence, color="0.3", linestyle=":", linewidth=1)
    span = max(result.duration, 1e-3)
    for start, end, label in zip(starts, ends, result.window_labels):
        if end - start >= 0.04 * span:
            ax.text((start + end) / 2, _BAND[0] + _BAND[1] / 2, str(label),
                    ha="center", va="center", fontsize="small", color="white",
                    fontweight="bold", zorder=4)
    ax.set_ylim(0.0, _BAND[0] + _BAND[1] + 0.01)
    ax.set_yticks([0.0, 0.25, 0.5, 0.75, 1.0])
    ax.set_ylabel("probability (band: each window's winner)")
    if result.label is None:
        return "no speech found"
    top = float(np.max(result.proba))
    if result.min_confidence is not None and top < result.min_confidence:
        winner = result.classes[int(np.argmax(result.proba))]
        return (f"{result.label}: {winner} {top:.2f} < {result.min_confidence:.2f} "
                f"({result.aggregation} of {result.n_windows} windows)")
    return f"{result.label} ({top:.2f}, {result.aggregation} of {result.n_windows} windows)"


def _draw_dimensions(ax, result, centres, breaks):
    """Each dimension's line and the note's value as a dashed line; the verdict."""
    for index, name in enumerate(result.dimensions.tolist()):
        values = np.insert(result.window_values[:, index], breaks, np.nan)
        (line,) = ax.plot(centres, values, marker="o", markersize=3, label=str(name))
        if result.values is not None:
            ax.axhline(result.values[index], color=line.get_color(), linestyle="--",
                       linewidth=1, alpha=0.7)
    low = min(0.0, float(np.nanmin(result.window_values))) if result.has_speech else 0.0
    high = max(1.0, float(np.nanmax(result.window_values))) if result.has_speech else 1.0
    ax.set_ylim(low, high)
    ax.set_ylabel("predicted value")
    if result.values is None:
        return "no speech found"
    verdict = ", ".join(f"{n} {v:.2f}" for n, v in zip(result.dimensions, result.values))
    return verdict + f" ({result.aggregation} of {result.n_windows} windows)"


_DRAW = {CATEGORICAL: _draw_probabilities, DIMENSIONAL: _draw_dimensions}


def plot_timeline(result, *, ax=None):
    """Plot a voice note's window outputs over time with the speech regions shaded.

    Parameters
    ----------
    result : VoiceNoteResult or DimensionalVoiceNoteResult
        What :func:`analyze_voice_note` returned.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure's axes by default.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The shading is one collection (``ax.collections[0]``, a path per speech region)
        and each class or dimension one line (``ax.lines``, labelled with its name)
        through the window centres, broken by NaN where windows do not touch.

        For class probabilities, each window's probabilities are also opaque bars over
        the part of the note it owns: where windows overlap, each owns its half of the
        overlap, so no bars lie on each other. A band above the plot (a collection per
        class, after the shading) colours each window's stretch with its winning class,
        labelled where it is wide enough; with ``min_confidence``, windows under it are
        grey and hatched in the band (one more collection, labelled "uncertain") and the
        threshold is a dotted line. For dimensions, the note's aggregate is a dashed line
        per dimension.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("plot_timeline needs matplotlib: pip install 'skser[plot]'") from exc
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.5), layout="constrained")
    regions = np.asarray(result.speech_regions, dtype=float).reshape(-1, 2)
    ax.broken_barh(
        list(zip(regions[:, 0], regions[:, 1] - regions[:, 0])),
        (0.0, 1.0),
        facecolors=SPEECH_COLOR,
        edgecolors="none",
        label="speech (VAD)",
        zorder=0,
    )
    # Lines join windows that touch or overlap and break across pauses (NaN gaps).
    windows = result.windows
    breaks = np.flatnonzero(windows[1:, 0] > windows[:-1, 1]) + 1
    centres = np.insert(windows.mean(axis=1), breaks, np.nan)
    verdict = _DRAW[result.task](ax, result, centres, breaks)
    ax.set_xlim(0.0, max(result.duration, 1e-3))
    ax.set_xlabel("time (s)")
    title = f"{Path(result.source).name}: {verdict}" if result.source else verdict
    ax.set_title(title, fontsize="medium")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return ax
