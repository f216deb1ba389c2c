"""keras.datasets.boston_housing: 506 samples of 13 features, prices to predict."""
from kerasmini.datasets.splits import load_regression


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """((x_train, y_train), (x_test, y_test)) from Keras's cached boston_housing.npz."""
    return load_regression(path, test_split, seed)
