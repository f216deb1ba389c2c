"""keras.datasets.california_housing: 20,640 districts (or the first 600: version
"small"), 8 features, median house values to predict."""
from kerasmini.datasets.splits import load_regression


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """((x_train, y_train), (x_test, y_test)) from Keras's cached california_housing.npz."""
    if version not in ("small", "large"):
        raise ValueError("Argument `version` must be one of 'small', 'large'. "
                         f"Received: version={version}")
    return load_regression(path, test_split, seed, 600 if version == "small" else None)
