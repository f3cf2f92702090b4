//! Matrix products for the encoder: activations (a few dozen rows) times fixed weights.
//!
//! The weights are repacked once, at load, into panels of `NR` columns stored k-major, so the
//! innermost loop reads one contiguous `NR`-float line per step and updates an `MR` × `NR`
//! block of accumulators held in registers. A panel (at most 1280 × 16 floats, 80 KB) stays in
//! the L2 cache while every block of rows passes over it, so each weight is read from memory
//! once per product. The loops are plain Rust for LLVM to vectorise; on x86-64 the same code is
//! also compiled with AVX2 and FMA enabled and chosen at run time when the CPU has them.

/// Columns per panel: two 8-float AVX registers.
const NR: usize = 16;
/// Rows per block: 6 × 2 accumulator registers, plus two for the weights and one for the
/// broadcast activation, fit in x86-64's 16 vector registers.
const MR: usize = 6;

/// A `k` × `n` weight matrix in panel order, ready for [`matmul`].
#[derive(Debug, Clone)]
pub struct PackedMatrix {
    k: usize,
    n: usize,
    /// Panel `p` holds columns `p * NR .. p * NR + NR`: `data[(p * k + row) * NR + col]`.
    data: Vec<f32>,
}

impl PackedMatrix {
    /// Packs a row-major `k` × `n` matrix; `n` must be a multiple of 16 (all of the model's are).
    pub fn pack(k: usize, n: usize, row_major: &[f32]) -> Option<PackedMatrix> {
        if n % NR != 0 || row_major.len() != k * n {
            return None;
        }
        let mut data = Vec::with_capacity(k * n);
        for panel in 0..n / NR {
            for row in 0..k {
                let start = row * n + panel * NR;
                data.extend_from_slice(&row_major[start..start + NR]);
            }
        }
        Some(PackedMatrix { k, n, data })
    }
}

/// `out[r][..n] = a[r][..k] · b` for `rows` rows.
///
/// Row `r` of `a` is `a[r * a_stride ..][..k]` and row `r` of the result is
/// `out[r * out_stride ..][..n]`: strides let a product read a window of consecutive rows as
/// one long row (the n-gram convolutions) or write into a column band of a wider matrix.
///
/// Release builds use the kernel below. Debug builds (`cargo test` while iterating) use the
/// `matrixmultiply` crate, which Cargo.toml compiles optimised even in debug builds: the
/// kernel compiled without optimisation is about a thousand times slower, which would make
/// every test that encodes take seconds. Both are tested against a naive product in either
/// build.
///
/// # Panics
/// If `a` or `out` is too short for `rows` rows of their strides (a bug in the caller, whose
/// buffers are sized from the same numbers).
pub fn matmul(
    a: &[f32],
    a_stride: usize,
    rows: usize,
    b: &PackedMatrix,
    out: &mut [f32],
    out_stride: usize,
) {
    if cfg!(debug_assertions) {
        library_product(a, a_stride, rows, b, out, out_stride);
    } else {
        packed_product(a, a_stride, rows, b, out, out_stride);
    }
}

/// Checks the sizes [`matmul`] documents; false when there is nothing to do.
fn check_sizes(
    a: &[f32],
    a_stride: usize,
    rows: usize,
    b: &PackedMatrix,
    out: &[f32],
    out_stride: usize,
) -> bool {
    if rows == 0 {
        return false;
    }
    assert!(
        a.len() >= (rows - 1) * a_stride + b.k,
        "matmul: a too short"
    );
    assert!(
        out.len() >= (rows - 1) * out_stride + b.n,
        "matmul: out too short"
    );
    true
}

/// The product with this module's kernel, using AVX2 and FMA where the CPU has them.
fn packed_product(
    a: &[f32],
    a_stride: usize,
    rows: usize,
    b: &PackedMatrix,
    out: &mut [f32],
    out_stride: usize,
) {
    if !check_sizes(a, a_stride, rows, b, out, out_stride) {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the function only differs from `matmul_generic` by being compiled with
            // AVX2 and FMA, and the CPU was just checked to have both.
            #[allow(
                unsafe_code,
                reason = "calling a target_feature function after detection"
            )]
            unsafe {
                matmul_avx2_fma(a, a_stride, rows, b, out, out_stride)
            };
            return;
        }
    }
    matmul_generic::<false>(a, a_stride, rows, b, out, out_stride);
}

/// The product with `matrixmultiply::sgemm`, one panel at a time (a panel is a `k` × 16
/// row-major matrix with row stride 16).
fn library_product(
    a: &[f32],
    a_stride: usize,
    rows: usize,
    b: &PackedMatrix,
    out: &mut [f32],
    out_stride: usize,
) {
    if !check_sizes(a, a_stride, rows, b, out, out_stride) {
        return;
    }
    let k = b.k;
    for (panel, weights) in b.data.chunks_exact(k * NR).enumerate() {
        let c = &mut out[panel * NR..];
        // SAFETY: sgemm reads a[r * a_stride + i] for r < rows, i < k, which check_sizes
        // proved in bounds; weights[i * NR + j] for i < k, j < NR, which is the panel's length;
        // and writes c[r * out_stride + j] for r < rows, j < NR, within c because
        // panel * NR + NR <= n and check_sizes proved (rows - 1) * out_stride + n in bounds.
        // The three slices are distinct borrows, so nothing aliases.
        #[allow(unsafe_code, reason = "matrixmultiply's interface takes raw pointers")]
        unsafe {
            matrixmultiply::sgemm(
                rows,
                k,
                NR,
                1.0,
                a.as_ptr(),
                a_stride as isize,
                1,
                weights.as_ptr(),
                NR as isize,
                1,
                0.0,
                c.as_mut_ptr(),
                out_stride as isize,
                1,
            );
        }
    }
}

/// `matmul_generic` with fused multiply-adds, compiled for AVX2 and FMA.
///
/// # Safety
/// Only call it on a CPU that has AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(
    unsafe_code,
    reason = "target_feature functions must be unsafe before Rust 1.86"
)]
unsafe fn matmul_avx2_fma(
    a: &[f32],
    a_stride: usize,
    rows: usize,
    b: &PackedMatrix,
    out: &mut [f32],
    out_stride: usize,
) {
    matmul_generic::<true>(a, a_stride, rows, b, out, out_stride);
}

/// The product; `FUSED` uses `mul_add`, which is one instruction only where FMA is enabled
/// (elsewhere it would be a slow library call, so the portable build multiplies and adds).
#[inline(always)]
fn matmul_generic<const FUSED: bool>(
    a: &[f32],
    a_stride: usize,
    rows: usize,
    b: &PackedMatrix,
    out: &mut [f32],
    out_stride: usize,
) {
    let k = b.k;
    // Rows split into blocks of equal height (25 rows: five of 5, not four of 6 and one of 1):
    // a block of one or two rows does too little work per weight loaded to keep the FMA
    // units busy.
    let blocks = rows.div_ceil(MR);
    let (base, taller) = (rows / blocks, rows % blocks);
    for (panel, weights) in b.data.chunks_exact(k * NR).enumerate() {
        let col = panel * NR;
        let mut row = 0;
        for block_index in 0..blocks {
            let block = base + usize::from(block_index < taller);
            let a_block = &a[row * a_stride..];
            let out_block = &mut out[row * out_stride + col..];
            match block {
                6 => block_product::<6, FUSED>(a_block, a_stride, weights, out_block, out_stride),
                5 => block_product::<5, FUSED>(a_block, a_stride, weights, out_block, out_stride),
                4 => block_product::<4, FUSED>(a_block, a_stride, weights, out_block, out_stride),
                3 => block_product::<3, FUSED>(a_block, a_stride, weights, out_block, out_stride),
                2 => block_product::<2, FUSED>(a_block, a_stride, weights, out_block, out_stride),
                _ => row_product::<FUSED>(a_block, weights, out_block),
            }
            row += block;
        }
    }
}

/// One row of `a` times one panel: four sets of accumulators over alternating weight lines,
/// so that four independent chains of multiply-adds are in flight instead of one waiting on
/// the latency of the last (the layers after the mean have a single row).
#[inline(always)]
fn row_product<const FUSED: bool>(a: &[f32], panel: &[f32], out: &mut [f32]) {
    const CHAINS: usize = 4;
    let k = panel.len() / NR;
    let a = &a[..k];
    let mut acc = [[0.0f32; NR]; CHAINS];
    let (whole, rest) = panel.split_at(k / CHAINS * CHAINS * NR);
    for (lines, x) in whole.chunks_exact(CHAINS * NR).zip(a.chunks_exact(CHAINS)) {
        for (chain, acc) in acc.iter_mut().enumerate() {
            let w = &lines[chain * NR..(chain + 1) * NR];
            for c in 0..NR {
                acc[c] = fma::<FUSED>(x[chain], w[c], acc[c]);
            }
        }
    }
    for (w, &x) in rest.chunks_exact(NR).zip(&a[k / CHAINS * CHAINS..]) {
        for c in 0..NR {
            acc[0][c] = fma::<FUSED>(x, w[c], acc[0][c]);
        }
    }
    for c in 0..NR {
        out[c] = (acc[0][c] + acc[1][c]) + (acc[2][c] + acc[3][c]);
    }
}

/// `x * w + acc`, fused where `FUSED`.
#[inline(always)]
fn fma<const FUSED: bool>(x: f32, w: f32, acc: f32) -> f32 {
    if FUSED {
        x.mul_add(w, acc)
    } else {
        x * w + acc
    }
}

/// `M` rows of `a` times one panel, into `M` × `NR` of `out`.
#[inline(always)]
fn block_product<const M: usize, const FUSED: bool>(
    a: &[f32],
    a_stride: usize,
    panel: &[f32],
    out: &mut [f32],
    out_stride: usize,
) {
    let k = panel.len() / NR;
    let a_rows: [&[f32]; M] = std::array::from_fn(|r| &a[r * a_stride..r * a_stride + k]);
    let mut acc = [[0.0f32; NR]; M];
    for (i, w) in panel.chunks_exact(NR).enumerate() {
        // Always a whole line (chunks_exact); as an array the width is known at compile time.
        let w: &[f32; NR] = w.try_into().unwrap_or(&[0.0; NR]);
        for r in 0..M {
            let x = a_rows[r][i];
            for c in 0..NR {
                acc[r][c] = fma::<FUSED>(x, w[c], acc[r][c]);
            }
        }
    }
    for (r, acc) in acc.iter().enumerate() {
        out[r * out_stride..r * out_stride + NR].copy_from_slice(acc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Product = fn(&[f32], usize, usize, &PackedMatrix, &mut [f32], usize);
    /// Both implementations, whichever one this build's `matmul` uses.
    const PRODUCTS: [Product; 2] = [packed_product, library_product];

    /// Straightforward product for comparison.
    fn naive(a: &[f32], rows: usize, k: usize, b: &[f32], n: usize) -> Vec<f32> {
        let mut out = vec![0.0; rows * n];
        for r in 0..rows {
            for c in 0..n {
                out[r * n + c] = (0..k).map(|i| a[r * k + i] * b[i * n + c]).sum();
            }
        }
        out
    }

    fn values(len: usize, seed: u32) -> Vec<f32> {
        (0..len as u32)
            .map(|i| ((i.wrapping_mul(2654435761) ^ seed) % 1000) as f32 / 500.0 - 1.0)
            .collect()
    }

    #[test]
    fn matches_the_naive_product_for_every_block_height() {
        let (k, n) = (37, 48);
        let b = values(k * n, 7);
        let packed = PackedMatrix::pack(k, n, &b).expect("n is a multiple of 16");
        for rows in [1, 2, 5, 6, 7, 13] {
            let a = values(rows * k, rows as u32);
            let want = naive(&a, rows, k, &b, n);
            for product in PRODUCTS {
                let mut out = vec![f32::NAN; rows * n];
                product(&a, k, rows, &packed, &mut out, n);
                for (got, want) in out.iter().zip(&want) {
                    assert!((got - want).abs() < 1e-4, "rows {rows}: {got} vs {want}");
                }
            }
        }
    }

    #[test]
    fn strides_read_overlapping_windows_and_write_column_bands() {
        // Windows of 3 consecutive 4-float rows, as the n-gram convolutions read them.
        let (width, n, rows) = (4, 16, 5);
        let k = 3 * width;
        let buffer = values((rows + 2) * width, 3);
        let b = values(k * n, 11);
        let packed = PackedMatrix::pack(k, n, &b).expect("packs");
        let out_stride = 40;
        for product in PRODUCTS {
            let mut out = vec![0.0; rows * out_stride];
            product(&buffer, width, rows, &packed, &mut out[8..], out_stride);
            for r in 0..rows {
                let window = &buffer[r * width..r * width + k];
                let want = naive(window, 1, k, &b, n);
                let got = &out[r * out_stride + 8..r * out_stride + 8 + n];
                for (g, w) in got.iter().zip(&want) {
                    assert!((g - w).abs() < 1e-4);
                }
                assert!(out[r * out_stride..r * out_stride + 8]
                    .iter()
                    .all(|&v| v == 0.0));
            }
        }
    }

    #[test]
    fn packing_refuses_widths_that_are_not_whole_panels() {
        assert!(PackedMatrix::pack(2, 10, &[0.0; 20]).is_none());
        assert!(PackedMatrix::pack(2, 16, &[0.0; 31]).is_none());
    }
}
