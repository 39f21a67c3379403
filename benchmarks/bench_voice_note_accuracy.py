"""Long voice notes on real speech: does VAD + 8 s windows + averaging beat the alternatives?

The paper proposes, without testing it, to classify a long voice note by removing
non-speech with a VAD, cutting the speech into windows of at most 8 s, classifying each
window and averaging the window probabilities, and claims this reduces the bias toward
"neutral". This benchmark measures it on RAVDESS speakers the models never saw:

- 12 leave-one-actor-out models: the default weight-free pipeline
  (``make_ser_pipeline(memory=<temporary cache>)``) fitted on the clips of the 11 other
  actors (emotion4 labels ang/hap/neu/sad);
- voice notes of each held-out actor, one true emotion per note: 4-6 of the actor's
  clips of that emotion in random order (drawn without replacement; neutral has only 4
  clips per actor, so a 5- or 6-clip neutral note repeats clips), separated by gaps
  (digital silence, low-level pink noise, long stretches of background noise), written
  as 16-bit FLAC files and analyzed from the files;
- the same notes and models under four conditions:

  1. ``analyze_voice_note(model, path, vad="energy")`` (window 8 s, aggregation mean),
  2. the same with ``vad="silero"``,
  3. ``vad=None``: consecutive 8 s chunks of the whole note, silence and noise included,
     averaged the same way (a chunk of pure digital silence, say a note's last second,
     has nothing to classify and is skipped by analyze_voice_note),
  4. the whole note as one clip: a copy of the fitted pipeline whose ``FixedDuration``
     is set (``set_params(fixedduration__duration=...)``) to the longest note, so
     nothing is cut; the Trimmer still trims the note's ends.

Prints note-level WA and UA, the share of notes and of windows labelled neutral (the
truth is 25 % of notes), the mean number of windows per note, per-class recall, and a
bootstrap over actors of the difference between the paper's pipeline (energy VAD) and
each alternative; and, for reference, the clip-level UA of the same models on the
individual held-out clips.

Usage: python benchmarks/bench_voice_note_accuracy.py [--data ../shared/data]
       [--notes 8] [--seed 0] [--actors 01 02 ...]
"""

import argparse
import copy
import math
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import soundfile as sf
from _common import DEFAULT_DATA, write_record

SR = 16000
CLASSES = ("ang", "hap", "neu", "sad")
CONDITIONS = {
    "energy": "VAD energy + 8 s windows, mean",
    "silero": "VAD silero + 8 s windows, mean",
    "chunks": "no VAD, fixed 8 s chunks, mean",
    "whole": "whole note as one clip",
}

# Note construction (fixed before looking at any result).
N_CLIPS = (4, 6)  # clips per note, inclusive
SILENCE_S = (0.3, 1.5)  # digital silence gap
LOW_NOISE_S = (0.5, 2.0)  # low-level pink noise gap
LOW_NOISE_SNR = (25.0, 40.0)  # dB below the note's speech level
LONG_S = (3.0, 10.0)  # speech-free stretch of background noise
LONG_SNR = (10.0, 25.0)
N_LONG = (1, 2)  # long stretches per note, inclusive


def colored_noise(n, exponent, rng):
    """Unit-RMS noise with power spectrum ~ 1/f**exponent (1 pink, 2 brown), no DC."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / SR)
    scale = np.zeros_like(f)
    scale[f >= 20.0] = f[f >= 20.0] ** (-exponent / 2)
    noise = np.fft.irfft(spectrum * scale, n)
    return noise / (np.sqrt(np.mean(noise**2)) + 1e-12)


def _fade(x, seconds=0.01):
    k = min(x.size // 2, int(seconds * SR))
    if k:
        ramp = np.linspace(0.0, 1.0, k)
        x[:k] *= ramp
        x[-k:] *= ramp[::-1]
    return x


def speech_rms(clips):
    """RMS of the clips' speech: each clip trimmed as the pipeline's Trimmer does."""
    from skser.preprocessing import nonsilent_interval

    parts = [clip[slice(*nonsilent_interval(clip, top_db=20.0))] for clip in clips]
    return float(np.sqrt(np.mean(np.square(np.concatenate(parts), dtype=np.float64))))


def make_gap(kind, level, rng):
    """One gap: ``kind`` in silence / low / long; ``level`` is the speech RMS."""
    if kind == "silence":
        return np.zeros(int(rng.uniform(*SILENCE_S) * SR)), None
    if kind == "low":
        n, snr = int(rng.uniform(*LOW_NOISE_S) * SR), rng.uniform(*LOW_NOISE_SNR)
        noise = colored_noise(n, 1.0, rng)
    else:
        n, snr = int(rng.uniform(*LONG_S) * SR), rng.uniform(*LONG_SNR)
        mix = rng.uniform(0.3, 0.7)
        noise = mix * colored_noise(n, 1.0, rng) + (1 - mix) * colored_noise(n, 2.0, rng)
        # Slow level changes (+-3 dB at 0.1-0.5 Hz): background noise is not a constant.
        t = np.arange(n) / SR
        noise *= 10 ** (3 * np.sin(2 * np.pi * rng.uniform(0.1, 0.5) * t + rng.uniform(0, 6.3))
                        / 20)
        noise /= np.sqrt(np.mean(noise**2))
    return _fade(noise * level / 10 ** (snr / 20)), float(snr)


def build_note(pool, rng):
    """Join clips from ``pool`` (1-D arrays of one actor and emotion) with gaps.

    Returns the samples and a dict describing the note.
    """
    from skser.preprocessing import nonsilent_interval

    n_clips = int(rng.integers(N_CLIPS[0], N_CLIPS[1] + 1))
    order = []
    while len(order) < n_clips:  # shuffled passes over the pool: repeats only when short
        order.extend(rng.permutation(len(pool)).tolist())
    clips = [pool[i] for i in order[:n_clips]]
    level = speech_rms(clips)
    n_gaps = n_clips + 1  # before, between and after the clips
    kinds = rng.choice(["silence", "low"], size=n_gaps).tolist()
    n_long = int(rng.integers(N_LONG[0], N_LONG[1] + 1))
    for slot in rng.choice(n_gaps, size=n_long, replace=False):
        kinds[int(slot)] = "long"
    parts, snrs, spans, at = [], [], [], 0
    for i, kind in enumerate(kinds):
        gap, snr = make_gap(kind, level, rng)
        parts.append(gap)
        at += gap.size
        if snr is not None:
            snrs.append(snr)
        if i < n_clips:
            start, end = nonsilent_interval(clips[i], top_db=20.0)
            spans.append(((at + start) / SR, (at + end) / SR))
            parts.append(clips[i])
            at += clips[i].size
    samples = np.clip(np.concatenate(parts), -1.0, 1.0).astype(np.float32)
    info = {
        "n_clips": n_clips,
        "n_unique": len(set(order[:n_clips])),
        "speech_s": sum(c.size for c in clips) / SR,
        "kinds": kinds,
        "snrs": snrs,
        "spans": np.array(spans),  # the clips' speech (trimmed as by Trimmer), seconds
    }
    return samples, info


def write_notes(folder, data, actors, n_notes, seed):
    """Write ``n_notes`` FLAC notes per actor and emotion; return their records."""
    from skser.io import load_audio

    records = []
    for actor in actors:
        number = actor.split(":")[-1]  # "ravdess:03" -> "03"
        for e, emotion in enumerate(CLASSES):
            files = data.filenames[(data.groups == actor) & (data.target == emotion)]
            pool = [load_audio(path) for path in files]
            for k in range(n_notes):
                rng = np.random.default_rng([seed, int(number), e, k])
                samples, info = build_note(pool, rng)
                path = Path(folder) / f"note_{number}_{emotion}_{k}.flac"
                sf.write(path, samples, SR, subtype="PCM_16")
                records.append(
                    {"path": path, "actor": actor, "truth": emotion,
                     "duration": samples.size / SR, **info}
                )
    return records


def fit_models(data, actors, cache):
    """One default pipeline per held-out actor, fitted on all other actors' clips."""
    from skser.pipeline import make_ser_pipeline

    models, clip_true, clip_pred, clip_actor = {}, [], [], []
    for actor in actors:
        train = data.groups != actor
        model = make_ser_pipeline(memory=cache)
        model.fit(data.filenames[train], data.target[train])
        # The cache serves the clips shared by the 12 fits; note windows are all unique.
        model.set_params(acousticembedder__memory=None)
        models[actor] = model
        test = ~train
        clip_true.extend(data.target[test].tolist())
        clip_pred.extend(model.predict(data.filenames[test]).tolist())
        clip_actor.extend([actor] * int(test.sum()))
    return models, np.array(clip_true), np.array(clip_pred), np.array(clip_actor)


def analyze(models, records, whole_duration):
    """Each note under each condition: the note's label and its windows' labels."""
    from skser.voice_note import NoSpeechWarning, analyze_voice_note

    vads = {"energy": "energy", "silero": "silero", "chunks": None}
    # Copies of the fitted pipelines; only a stateless parameter changes.
    wholes = {
        actor: copy.deepcopy(model).set_params(fixedduration__duration=whole_duration)
        for actor, model in models.items()
    }
    out = {name: {"label": [], "windows": [], "overlap": []} for name in CONDITIONS}
    for record in records:
        for name, vad in vads.items():
            model = models[record["actor"]]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", NoSpeechWarning)
                result = analyze_voice_note(model, record["path"], vad=vad, window=8.0,
                                            aggregation="mean")
            out[name]["label"].append("-" if result.label is None else str(result.label))
            out[name]["windows"].append(result.window_labels.astype(str))
            out[name]["overlap"].append(_overlap(result.windows, record))
        out["whole"]["label"].append(
            str(wholes[record["actor"]].predict([str(record["path"])])[0])
        )
        out["whole"]["windows"].append(None)
        out["whole"]["overlap"].append(_overlap(np.array([[0.0, record["duration"]]]), record))
    out = {name: {key: (np.array(v) if key == "label" else v) for key, v in res.items()}
           for name, res in out.items()}
    return out


def _overlap(windows, record):
    """Seconds analyzed, of which clip speech; clip speech analyzed, clip speech in all."""
    spans = record["spans"]
    inside = sum(
        max(0.0, min(end, s_end) - max(start, s_start))
        for start, end in windows for s_start, s_end in spans
    )
    # Windows may overlap (an anchored tail): count each second of speech once.
    covered = sum(
        max(0.0, min(end, s_end) - max(start, s_start))
        for start, end in _union(windows) for s_start, s_end in spans
    )
    total = float(np.sum(windows[:, 1] - windows[:, 0])) if windows.size else 0.0
    return total, inside, covered, float(np.sum(spans[:, 1] - spans[:, 0]))


def _union(windows):
    merged = []
    for start, end in sorted(map(tuple, windows)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def recalls(truth, pred):
    return np.array([np.mean(pred[truth == c] == c) for c in CLASSES])


def ua(truth, pred):
    """Unweighted accuracy (mean per-class recall); a note with no verdict ("-") is wrong."""
    return float(np.mean(recalls(truth, pred)))


def bootstrap_over_actors(truth, actor, pred_a, pred_b, n_boot=2000, seed=0):
    """95 % interval of UA(a) - UA(b) and of neu-share(a) - neu-share(b), actors resampled."""
    rng = np.random.default_rng(seed)
    actors = np.unique(actor)
    index = {a: np.flatnonzero(actor == a) for a in actors}
    d_ua, d_neu = [], []
    for _ in range(n_boot):
        rows = np.concatenate([index[a] for a in rng.choice(actors, size=actors.size)])
        t = truth[rows]
        d_ua.append(ua(t, pred_a[rows]) - ua(t, pred_b[rows]))
        d_neu.append(np.mean(pred_a[rows] == "neu") - np.mean(pred_b[rows] == "neu"))
    return np.percentile(d_ua, [2.5, 97.5]), np.percentile(d_neu, [2.5, 97.5])


def _pct(x):
    return f"{100 * x:5.1f}"


def report(records, results, clips, timings):
    truth = np.array([r["truth"] for r in records])
    actor = np.array([r["actor"] for r in records])
    durations = np.array([r["duration"] for r in records])
    kinds = [k for r in records for k in r["kinds"]]
    snrs = {kind: [] for kind in ("low", "long")}
    for r in records:
        noisy = [k for k in r["kinds"] if k != "silence"]
        for kind, snr in zip(noisy, r["snrs"]):
            snrs[kind].append(snr)
    speech = np.array([r["speech_s"] for r in records])
    trimmed = sum(float(np.sum(r["spans"][:, 1] - r["spans"][:, 0])) for r in records)
    print(
        f"{len(records)} notes ({len(np.unique(actor))} held-out actors x {len(CLASSES)} emotions"
        f" x {len(records) // (len(np.unique(actor)) * len(CLASSES))}), "
        f"{durations.sum() / 60:.1f} min of audio; note length {durations.min():.1f}-"
        f"{durations.max():.1f} s (mean {durations.mean():.1f}), clips {speech.mean():.1f} s "
        f"per note ({100 * speech.sum() / durations.sum():.0f}% of the audio; their speech, "
        f"trimmed at 20 dB as by the Trimmer: {100 * trimmed / durations.sum():.0f}%)"
    )
    print(
        f"gaps: {kinds.count('silence')} digital silence, {kinds.count('low')} low-level pink "
        f"noise (SNR {min(snrs['low']):.0f}-{max(snrs['low']):.0f} dB), {kinds.count('long')} "
        f"long background-noise stretches of {LONG_S[0]:g}-{LONG_S[1]:g} s "
        f"(SNR {min(snrs['long']):.0f}-{max(snrs['long']):.0f} dB)"
    )
    clip_true, clip_pred, _ = clips
    print(
        f"clip-level LOSO reference ({clip_true.size} held-out clips, pooled): "
        f"WA {_pct(np.mean(clip_pred == clip_true))}  UA {_pct(ua(clip_true, clip_pred))}  "
        f"labelled neu {_pct(np.mean(clip_pred == 'neu'))}% "
        f"(truth {_pct(np.mean(clip_true == 'neu'))}%)"
    )
    print()
    header = (
        f"{'condition':32s} {'WA %':>6} {'UA %':>6} {'notes neu %':>11} "
        f"{'windows neu %':>13} {'windows/note':>12} {'win = speech %':>14} "
        f"{'speech seen %':>13} {'no verdict':>10}"
    )
    print(
        "note level (truth: 25.0% of notes are neu). win = speech: share of the analyzed "
        "seconds that are clip speech; speech seen: share of the clip speech analyzed"
    )
    print(header)
    print("-" * len(header))
    table = []
    for name, title in CONDITIONS.items():
        res = results[name]
        pred = res["label"]
        total, inside, covered, speech_s = np.sum(res["overlap"], axis=0)
        if res["windows"][0] is None:
            win_neu, per_note = "n/a", "1 (whole)"
        else:
            all_windows = np.concatenate(res["windows"])
            win_neu = _pct(np.mean(all_windows == "neu"))
            per_note = f"{np.mean([w.size for w in res['windows']]):.2f}"
        print(
            f"{title:32s} {_pct(np.mean(pred == truth)):>6} {_pct(ua(truth, pred)):>6} "
            f"{_pct(np.mean(pred == 'neu')):>11} {win_neu:>13} {per_note:>12} "
            f"{_pct(inside / total):>14} {_pct(covered / speech_s):>13} "
            f"{int(np.sum(pred == '-')):10d}"
        )
        table.append({"condition": title, "WA %": _pct(np.mean(pred == truth)).strip(),
                      "UA %": _pct(ua(truth, pred)).strip(),
                      "notes neu %": _pct(np.mean(pred == "neu")).strip(),
                      "windows neu %": win_neu, "windows/note": per_note,
                      "win = speech %": _pct(inside / total).strip(),
                      "speech seen %": _pct(covered / speech_s).strip(),
                      "no verdict": int(np.sum(pred == "-"))})
    print()
    print("per-class recall of notes, %")
    print(f"{'condition':32s} " + " ".join(f"{c:>6}" for c in CLASSES))
    for name, title in CONDITIONS.items():
        print(f"{title:32s} " + " ".join(
            f"{_pct(r):>6}" for r in recalls(truth, results[name]["label"])))
    print()
    print("paper's pipeline (VAD energy + windows) minus each alternative, "
          "95% bootstrap interval over actors (2000 resamples)")
    ref = results["energy"]["label"]
    differences = []
    for name in ("silero", "chunks", "whole"):
        pred = results[name]["label"]
        (ua_lo, ua_hi), (neu_lo, neu_hi) = bootstrap_over_actors(truth, actor, ref, pred)
        d_ua = ua(truth, ref) - ua(truth, pred)
        d_neu = np.mean(ref == "neu") - np.mean(pred == "neu")
        print(
            f"  vs {CONDITIONS[name]:32s} UA {100 * d_ua:+5.1f} pts [{100 * ua_lo:+5.1f}, "
            f"{100 * ua_hi:+5.1f}]   notes neu {100 * d_neu:+5.1f} pts "
            f"[{100 * neu_lo:+5.1f}, {100 * neu_hi:+5.1f}]"
        )
        differences.append({"alternative": CONDITIONS[name], "UA points": round(100 * d_ua, 1),
                            "95% interval": f"[{100 * ua_lo:+.1f}, {100 * ua_hi:+.1f}]",
                            "notes neu points": round(100 * d_neu, 1)})
    print()
    print("time: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items()))
    write_record(__file__, {
        "notes": f"{len(records)} notes of {len(np.unique(actor))} held-out actors, "
                 f"{durations.min():.1f}-{durations.max():.1f} s",
        "note level (truth: 25% of notes are neu)": table,
        "per-class recall of notes %": [
            {"condition": title, **{c: _pct(r).strip() for c, r in
                                    zip(CLASSES, recalls(truth, results[name]["label"]))}}
            for name, title in CONDITIONS.items()],
        "VAD energy + windows minus each alternative (bootstrap over actors)": differences,
        "time s": {name: round(seconds) for name, seconds in timings.items()},
    })


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--notes", type=int, default=5, help="notes per actor and emotion")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--actors", nargs="+", help="held-out actors (default: all 12)")
    parser.add_argument("--workdir", type=Path, help="where to write notes and cache (temporary)")
    args = parser.parse_args(argv)

    from skser.datasets import load_ravdess

    start = time.perf_counter()
    data = load_ravdess(args.data / "ravdess", labels="emotion4")
    actors = [f"ravdess:{actor}" for actor in args.actors] if args.actors else (
        np.unique(data.groups).tolist()
    )
    print(
        "Voice notes from held-out RAVDESS actors: default weight-free pipeline, "
        f"leave-one-actor-out ({len(actors)} models), seed {args.seed}"
    )
    timings = {}
    with tempfile.TemporaryDirectory(dir=args.workdir) as folder:
        records = write_notes(folder, data, actors, args.notes, args.seed)
        timings["writing notes"] = time.perf_counter() - start
        models, *clips = fit_models(data, actors, Path(folder) / "cache")
        timings["fitting models"] = time.perf_counter() - start - sum(timings.values())
        longest = max(r["duration"] for r in records)
        whole_duration = float(math.ceil(longest))
        results = analyze(models, records, whole_duration)
        timings["analyzing notes"] = time.perf_counter() - start - sum(timings.values())
        timings["total"] = time.perf_counter() - start
        print(f"whole-note condition: fixedduration__duration={whole_duration:g} s "
              f"(longest note {longest:.1f} s)")
        report(records, results, clips, timings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
