"""User data checked when it is loaded: NaN/Inf, image ranges, rescale and
standardise options, and one-line errors for files of the wrong kind (issue 12,
items 8 and 9)."""

import numpy as np
import pytest

from genjax.data import check_range, from_arrays, load
from genjax.data.validate import rescale, standardize


def _one_line(e: pytest.ExceptionInfo) -> str:
    text = str(e.value)
    assert "\n" not in text, text
    return text


@pytest.mark.parametrize("kind", ["npz", "npy", "csv"])
def test_non_finite_values_name_the_array_and_count(tmp_path, rng, kind):
    x = rng.normal(size=(20, 3))
    x[2, 1], x[5, 0], x[7, 2] = np.nan, np.inf, -np.inf
    path = tmp_path / f"d.{kind}"
    if kind == "npz":
        np.savez(path, x_train=x, x_test=np.zeros((4, 3)))
        name = "'x_train'"
    elif kind == "npy":
        np.save(path, x)
        name = str(path)
    else:
        path.write_text("\n".join(",".join(map(str, r)) for r in x))
        name = "train"
    with pytest.raises(ValueError, match="3 non-finite values") as e:
        load(f"{kind}:{path}")
    assert name in _one_line(e) and "(2, 1)" in str(e.value)  # the first bad entry


def test_non_finite_test_split_is_named(rng):
    test = np.zeros((5, 2))
    test[1, 1] = np.nan
    with pytest.raises(ValueError, match=r"mine: test: 1 non-finite"):
        from_arrays(rng.normal(size=(10, 2)), test, name="mine")


def test_float_images_out_of_range_point_to_rescale(rng):
    x = rng.uniform(0, 255, size=(20, 4, 4, 1))
    with pytest.raises(ValueError, match=r"image values span \[0\.\d+, 25\d\.?\d*\]") as e:
        from_arrays(x)
    assert "rescale='255'" in _one_line(e)
    ds = from_arrays(x, rescale="255", seed=0)
    ref = from_arrays(x / 255.0, seed=0)  # same split, scaled by hand
    np.testing.assert_allclose(ds.train, ref.train, rtol=1e-6)
    np.testing.assert_allclose(ds.test, ref.test, rtol=1e-6)
    with pytest.raises(ValueError, match="rescale='minmax'"):
        from_arrays(x - 300.0)  # negative: dividing by 255 would not help


def test_rescale_255_leaves_integer_images_alone():
    x = np.full((6, 2, 2), 255, np.uint8)
    assert from_arrays(x, rescale="255").train.max() == 1.0  # not 1 / 255


def test_minmax_uses_train_statistics_and_clips_test():
    train = np.array([[0.0, 10.0], [2.0, 30.0], [4.0, 20.0]])
    test = np.array([[1.0, 40.0], [-2.0, 20.0]])
    ds = from_arrays(train, test, rescale="minmax")
    # Per column: (x - min) / (max - min) of the train column, by hand.
    np.testing.assert_allclose(ds.train, [[0, 0], [0.5, 1], [1, 0.5]])
    np.testing.assert_allclose(ds.test, [[0.25, 1], [0, 0.5]])  # 1.5 and -0.5 clipped
    images = np.arange(2 * 2 * 2, dtype=np.float64).reshape(2, 2, 2, 1) * 3 - 5  # -5..16
    tr, _ = rescale(images.astype(np.float32), images[:1].astype(np.float32), "minmax")
    np.testing.assert_allclose(tr, (images + 5) / 21, rtol=1e-6)  # one pair for images


def test_standardize_matches_numpy(rng):
    train, test = rng.normal(3, 2, (50, 3)), rng.normal(size=(5, 3))
    tr, te = standardize(train, test)
    np.testing.assert_allclose(te, (test - train.mean(0)) / train.std(0), rtol=1e-5)
    with pytest.raises(ValueError, match="tabular"):
        standardize(np.zeros((4, 2, 2, 1)), np.zeros((1, 2, 2, 1)))


def test_options_are_checked():
    with pytest.raises(ValueError, match="rescale='10'"):
        from_arrays(np.zeros((5, 2)), rescale="10")
    with pytest.raises(ValueError, match="pick one"):
        from_arrays(np.zeros((5, 2)), rescale="minmax", standardize=True)
    with pytest.raises(ValueError, match="expected one of"):
        load("synthetic:manifold8", rescale="max")
    with pytest.raises(ValueError, match="already in"):
        load("fashion_mnist", rescale="255")


def test_synthetic_rescale_and_standardize():
    raw = load("synthetic:manifold8", max_train=200, max_test=50)
    mm = load("synthetic:manifold8", max_train=200, max_test=50, rescale="minmax")
    lo, hi = raw.train.min(0), raw.train.max(0)
    np.testing.assert_allclose(mm.train, (raw.train - lo) / (hi - lo), atol=1e-6)
    assert mm.true_latent_dim == 8 and mm.name == raw.name
    st = load("synthetic:manifold8", max_train=200, max_test=50, standardize=True)
    np.testing.assert_allclose(st.train.std(0), 1, rtol=1e-4)


def test_check_range_against_the_output_activation(rng):
    x = rng.normal(size=(10, 3))
    check_range(x, output_activation="identity")
    with pytest.raises(ValueError, match=r"span \[-\d.*sigmoid.*identity") as e:
        check_range(x, output_activation="sigmoid", what="synthetic:manifold8")
    assert "synthetic:manifold8" in _one_line(e)
    check_range(from_arrays(rng.uniform(size=(10, 3))), output_activation="sigmoid")
    ds = from_arrays(x, name="table")
    with pytest.raises(ValueError, match="table train values"):
        check_range(ds, output_activation="sigmoid")
    with pytest.raises(ValueError, match="non-finite"):
        check_range(np.array([[np.nan]]), output_activation="identity")
    with pytest.raises(ValueError, match="output_activation='tanh'"):
        check_range(x, output_activation="tanh")


def test_file_of_the_wrong_kind(tmp_path):
    x = np.zeros((10, 2))
    np.save(tmp_path / "a.npy", x)
    np.savez(tmp_path / "b.npz", x=x)
    (tmp_path / "c.txt").write_text("hello\n")
    cases = [
        (f"npz:{tmp_path / 'a.npy'}", r"is a \.npy array, not a \.npz archive; use npy:"),
        (f"npy:{tmp_path / 'b.npz'}", r"is a \.npz archive .*, not a \.npy array; use npz:"),
        (f"csv:{tmp_path / 'a.npy'}", r"is a \.npy file, not comma-separated text; use npy:"),
        (f"npz:{tmp_path / 'c.txt'}", r"neither \.npy nor \.npz"),
        (f"npz:{tmp_path}", "is a directory"),
    ]
    for source, match in cases:
        with pytest.raises(ValueError, match=match) as e:
            load(source)
        assert source.partition(":")[2] in _one_line(e)
    with pytest.raises(FileNotFoundError, match="no such file") as e:
        load(f"npz:{tmp_path / 'missing.npz'}")
    assert "missing.npz" in _one_line(e)


def test_npz_without_expected_keys_and_truncated(tmp_path):
    np.savez(tmp_path / "d.npz", a=np.zeros((3, 2)), b=np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"found keys \['a', 'b'\]; expected 'train'") as e:
        load(f"npz:{tmp_path / 'd.npz'}")
    assert "d.npz" in _one_line(e)
    data = (tmp_path / "d.npz").read_bytes()
    (tmp_path / "t.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="t.npz: cannot read"):
        load(f"npz:{tmp_path / 't.npz'}")
