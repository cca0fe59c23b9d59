// Package domain holds GrantFlow's pure rules: the vocabulary of the 公益创投
// lifecycle (brands, districts, stages, roles), validation of what people enter,
// money in fen, and the one error type every layer speaks. Nothing here does I/O;
// workflows, activities, the store and the web depend on it, never the reverse.
package domain
