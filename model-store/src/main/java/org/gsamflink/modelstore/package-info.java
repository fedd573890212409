/**
 * Versioned, atomic model snapshots over Flink's file-system abstraction ({@link org.gsamflink.modelstore.ModelStore}),
 * their metadata ({@link org.gsamflink.modelstore.ModelMetadata}), model-id validation
 * ({@link org.gsamflink.modelstore.ModelIds}) and NumPy {@code .npy} export ({@link org.gsamflink.modelstore.NpyWriter},
 * {@link org.gsamflink.modelstore.NpyIndex}). This package stores bytes and metadata only; it depends on neither
 * DL4J/ND4J nor the operators or pipeline modules.
 */
package org.gsamflink.modelstore;
