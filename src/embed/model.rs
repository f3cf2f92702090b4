//! The encoder network: token embeddings, three n-gram convolution branches, a mean over the
//! tokens and a small residual network, as in the reference's `backends/numpy.py`.

use super::gemm::{matmul, PackedMatrix};
use super::{ModelError, DIM};

/// Rows per chunk of the quantised table; chunk `id % 17` holds piece `id`'s scale and offset.
const NUM_CHUNKS: usize = 17;
/// Bytes of one packed table row: 512 six-bit values, four to three bytes.
const ROW_BYTES: usize = DIM / 4 * 3;
/// Width of each convolution branch.
const CNN_DIM: usize = 256;
/// Features per token before the mean: the embedding and the three branches.
const FEAT_DIM: usize = DIM + 3 * CNN_DIM;
/// Width of the residual network's narrow layers.
const HIDDEN: usize = 320;
/// The container files' first eight bytes.
const MAGIC: &[u8] = b"NIMBUSE1";
/// (n-gram order, tokens of left context) of the three branches.
const ORDERS: [(usize, usize); 3] = [(2, 0), (3, 1), (5, 2)];

/// One n-gram branch: two window convolutions with residuals.
#[derive(Debug)]
struct Branch {
    order: usize,
    left: usize,
    w1: PackedMatrix,
    b1: Vec<f32>,
    w2: PackedMatrix,
    b2: Vec<f32>,
}

/// The weights, ready to run.
#[derive(Debug)]
pub struct Model {
    /// Packed six-bit rows, one per piece id (borrowed from the compiled-in file).
    table: &'static [u8],
    rows: usize,
    scale: Vec<f32>,
    lo: Vec<f32>,
    /// The three branches' input projections side by side (512 × 768), and their layer norm.
    proj: PackedMatrix,
    proj_b: Vec<f32>,
    proj_ln_g: Vec<f32>,
    proj_ln_b: Vec<f32>,
    branches: Vec<Branch>,
    ln_g: Vec<f32>,
    ln_b: Vec<f32>,
    cnn_w: PackedMatrix,
    cnn_b: Vec<f32>,
    d0: PackedMatrix,
    d1: PackedMatrix,
    p1: PackedMatrix,
    d2: PackedMatrix,
    p3: PackedMatrix,
    d3: PackedMatrix,
    eps: f32,
}

impl Model {
    /// Reads `table.bin` (kept borrowed: it is large) and `weights.bin` (unpacked into f32).
    pub fn parse(table_file: &'static [u8], weights_file: &[u8]) -> Result<Model, ModelError> {
        let mut table = Tensors::parse("table.bin", table_file)?;
        let (rows, table_bytes) = table.packed6("table", DIM)?;
        table.finish()?;

        let mut w = Tensors::parse("weights.bin", weights_file)?;
        let lo = w.floats("lo", &[NUM_CHUNKS])?;
        let scale = w.floats("scale", &[NUM_CHUNKS])?;
        let mut proj_parts = Vec::new();
        let (mut proj_b, mut proj_ln_g, mut proj_ln_b) = (Vec::new(), Vec::new(), Vec::new());
        let mut branches = Vec::new();
        for (order, left) in ORDERS {
            proj_parts.push(w.floats(&format!("proj{order}"), &[DIM, CNN_DIM])?);
            proj_b.extend(w.floats(&format!("proj_b{order}"), &[CNN_DIM])?);
            proj_ln_g.extend(w.floats(&format!("ln_g{order}"), &[CNN_DIM])?);
            proj_ln_b.extend(w.floats(&format!("ln_b{order}"), &[CNN_DIM])?);
            let window = order * CNN_DIM;
            branches.push(Branch {
                order,
                left,
                w1: w.matrix(&format!("w1_{order}"), window, CNN_DIM)?,
                b1: w.floats(&format!("b1_{order}"), &[CNN_DIM])?,
                w2: w.matrix(&format!("w2_{order}"), window, CNN_DIM)?,
                b2: w.floats(&format!("b2_{order}"), &[CNN_DIM])?,
            });
        }
        // Side by side: row r of the joint projection is row r of each branch's, in turn.
        let mut proj_rows = Vec::with_capacity(DIM * 3 * CNN_DIM);
        for r in 0..DIM {
            for part in &proj_parts {
                proj_rows.extend_from_slice(&part[r * CNN_DIM..(r + 1) * CNN_DIM]);
            }
        }
        let model = Model {
            table: table_bytes,
            rows,
            scale,
            lo,
            proj: pack("weights.bin", "proj", DIM, 3 * CNN_DIM, &proj_rows)?,
            proj_b,
            proj_ln_g,
            proj_ln_b,
            branches,
            ln_g: w.floats("ln_g", &[FEAT_DIM])?,
            ln_b: w.floats("ln_b", &[FEAT_DIM])?,
            cnn_w: w.matrix("cnn_W", FEAT_DIM, DIM)?,
            cnn_b: w.floats("cnn_b", &[DIM])?,
            d0: w.matrix("d0", DIM, HIDDEN)?,
            d1: w.matrix("d1", HIDDEN, HIDDEN)?,
            p1: w.matrix("p1", DIM, HIDDEN)?,
            d2: w.matrix("d2", HIDDEN, DIM)?,
            p3: w.matrix("p3", HIDDEN, DIM)?,
            d3: w.matrix("d3", DIM, DIM)?,
            eps: w.floats("eps", &[1])?[0],
        };
        w.finish()?;
        Ok(model)
    }

    /// Number of rows in the embedding table (the highest piece id it can embed, plus one).
    pub fn table_rows(&self) -> usize {
        self.rows
    }

    /// The L2-normalised embedding of a sequence of piece ids (`<s>` … `</s>`).
    ///
    /// Ids must be below [`Model::table_rows`] and the sequence non-empty; the tokenizer
    /// guarantees both.
    pub fn forward(&self, ids: &[u32]) -> [f32; DIM] {
        let t = ids.len();
        let mut feats = vec![0.0f32; t * FEAT_DIM];
        for (row, &id) in feats.chunks_exact_mut(FEAT_DIM).zip(ids) {
            self.embed_row(id as usize, &mut row[..DIM]);
        }

        // The three branches' inputs, layer-normalised together as the reference does.
        let proj_dim = 3 * CNN_DIM;
        let mut x = vec![0.0f32; t * proj_dim];
        matmul(&feats, FEAT_DIM, t, &self.proj, &mut x, proj_dim);
        for row in x.chunks_exact_mut(proj_dim) {
            add(row, &self.proj_b);
            layer_norm(row, &self.proj_ln_g, &self.proj_ln_b, self.eps);
        }

        // Each window of `order` tokens is `order` consecutive rows of a buffer padded with
        // zero rows, read as one long row: no gather, and the padding is the reference's
        // zero sentinel for positions outside the sentence.
        let max_order = ORDERS.iter().map(|&(n, _)| n).max().unwrap_or(1);
        let mut padded = vec![0.0f32; (t + max_order - 1) * CNN_DIM];
        let mut h = vec![0.0f32; t * CNN_DIM];
        for (i, branch) in self.branches.iter().enumerate() {
            let first = branch.left * CNN_DIM;
            let pad = &mut padded[..(t + branch.order - 1) * CNN_DIM];
            pad.fill(0.0);
            for (dst, src) in pad[first..first + t * CNN_DIM]
                .chunks_exact_mut(CNN_DIM)
                .zip(x.chunks_exact(proj_dim))
            {
                dst.copy_from_slice(&src[i * CNN_DIM..(i + 1) * CNN_DIM]);
            }
            matmul(pad, CNN_DIM, t, &branch.w1, &mut h, CNN_DIM);
            for (h_row, input) in h
                .chunks_exact_mut(CNN_DIM)
                .zip(pad[first..].chunks_exact(CNN_DIM))
            {
                relu_residual(h_row, &branch.b1, input);
            }
            pad[first..first + t * CNN_DIM].copy_from_slice(&h);
            let column = DIM + i * CNN_DIM;
            matmul(pad, CNN_DIM, t, &branch.w2, &mut feats[column..], FEAT_DIM);
            for (f_row, input) in feats
                .chunks_exact_mut(FEAT_DIM)
                .zip(h.chunks_exact(CNN_DIM))
            {
                relu_residual(&mut f_row[column..column + CNN_DIM], &branch.b2, input);
            }
        }

        // Layer norm per token, then the mean: the sum goes through the (linear) output
        // projection once instead of once per token, as in the reference.
        let mut sum = [0.0f32; FEAT_DIM];
        for row in feats.chunks_exact_mut(FEAT_DIM) {
            layer_norm(row, &self.ln_g, &self.ln_b, self.eps);
            add(&mut sum, row);
        }
        let mut mean = [0.0f32; DIM];
        matmul(&sum, FEAT_DIM, 1, &self.cnn_w, &mut mean, DIM);
        let tokens = t as f32;
        let inv_sqrt = 1.0 / tokens.sqrt();
        for (m, b) in mean.iter_mut().zip(&self.cnn_b) {
            *m = (*m + tokens * b) * inv_sqrt;
        }

        // y0 = relu(mean·d0); y1 = relu(mean·p1 + y0·d1); y2 = relu(y1·d2);
        // z = tanh(y1·p3 + y2·d3), normalised.
        let mut y0 = [0.0f32; HIDDEN];
        matmul(&mean, DIM, 1, &self.d0, &mut y0, HIDDEN);
        relu(&mut y0);
        let mut y1 = [0.0f32; HIDDEN];
        matmul(&mean, DIM, 1, &self.p1, &mut y1, HIDDEN);
        let mut tmp = [0.0f32; HIDDEN];
        matmul(&y0, HIDDEN, 1, &self.d1, &mut tmp, HIDDEN);
        add(&mut y1, &tmp);
        relu(&mut y1);
        let mut y2 = [0.0f32; DIM];
        matmul(&y1, HIDDEN, 1, &self.d2, &mut y2, DIM);
        relu(&mut y2);
        let mut z = [0.0f32; DIM];
        matmul(&y1, HIDDEN, 1, &self.p3, &mut z, DIM);
        let mut tmp = [0.0f32; DIM];
        matmul(&y2, DIM, 1, &self.d3, &mut tmp, DIM);
        add(&mut z, &tmp);
        let mut norm2 = 0.0f32;
        for v in z.iter_mut() {
            *v = v.tanh();
            norm2 += *v * *v;
        }
        let inv_norm = 1.0 / norm2.max(self.eps).sqrt();
        for v in z.iter_mut() {
            *v *= inv_norm;
        }
        z
    }

    /// Dequantised table row of piece `id`: `value * scale + lo` of its chunk.
    fn embed_row(&self, id: usize, out: &mut [f32]) {
        let chunk = id % NUM_CHUNKS;
        let (scale, lo) = (self.scale[chunk], self.lo[chunk]);
        let packed = &self.table[id * ROW_BYTES..(id + 1) * ROW_BYTES];
        for (group, bytes) in out.chunks_exact_mut(4).zip(packed.chunks_exact(3)) {
            let word = u32::from(bytes[0]) | u32::from(bytes[1]) << 8 | u32::from(bytes[2]) << 16;
            for (k, v) in group.iter_mut().enumerate() {
                *v = ((word >> (6 * k)) & 63) as f32 * scale + lo;
            }
        }
    }
}

fn add(acc: &mut [f32], x: &[f32]) {
    for (a, x) in acc.iter_mut().zip(x) {
        *a += x;
    }
}

fn relu(x: &mut [f32]) {
    for v in x {
        *v = v.max(0.0);
    }
}

/// `x = relu(x + bias) + residual`.
fn relu_residual(x: &mut [f32], bias: &[f32], residual: &[f32]) {
    for ((v, b), r) in x.iter_mut().zip(bias).zip(residual) {
        *v = (*v + b).max(0.0) + r;
    }
}

/// Layer norm of one row, in place: zero mean, unit variance, then `gamma`, `beta`.
fn layer_norm(x: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let n = x.len() as f32;
    let mean = x.iter().sum::<f32>() / n;
    let mut var = 0.0f32;
    for v in x.iter_mut() {
        *v -= mean;
        var += *v * *v;
    }
    let inv_std = 1.0 / (var / n + eps).sqrt();
    for ((v, g), b) in x.iter_mut().zip(gamma).zip(beta) {
        *v = *v * inv_std * g + b;
    }
}

fn pack(
    file: &'static str,
    name: &str,
    k: usize,
    n: usize,
    data: &[f32],
) -> Result<PackedMatrix, ModelError> {
    PackedMatrix::pack(k, n, data)
        .ok_or_else(|| ModelError::new(file, format!("{name}: cannot pack {k} × {n}")))
}

/// The tensors of one container file (see tools/usem3/convert.py), taken in order by name.
struct Tensors<'a> {
    file: &'static str,
    data: &'a [u8],
    pos: usize,
    remaining: u32,
}

/// A tensor's header and data.
struct Tensor<'a> {
    name: &'a [u8],
    dtype: u8,
    shape: Vec<usize>,
    data: &'a [u8],
}

impl<'a> Tensors<'a> {
    fn parse(file: &'static str, data: &'a [u8]) -> Result<Tensors<'a>, ModelError> {
        if !data.starts_with(MAGIC) {
            return Err(ModelError::new(file, "not a nimbus-bot model file".into()));
        }
        let mut tensors = Tensors {
            file,
            data,
            pos: MAGIC.len(),
            remaining: 0,
        };
        tensors.remaining = u32::from_le_bytes(tensors.array()?);
        Ok(tensors)
    }

    fn error(&self, what: String) -> ModelError {
        ModelError::new(self.file, what)
    }

    fn bytes(&mut self, len: usize) -> Result<&'a [u8], ModelError> {
        let data = self.data;
        let end = self.pos.checked_add(len).filter(|&end| end <= data.len());
        let end = end.ok_or_else(|| self.error(format!("truncated at byte {}", self.pos)))?;
        let bytes = &data[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ModelError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }

    /// The next tensor, which must be called `name`.
    fn next(&mut self, name: &str) -> Result<Tensor<'a>, ModelError> {
        if self.remaining == 0 {
            return Err(self.error(format!("{name}: missing")));
        }
        self.remaining -= 1;
        let [name_len] = self.array()?;
        let found = self.bytes(name_len.into())?;
        let [dtype, ndim] = self.array()?;
        let mut shape = Vec::with_capacity(ndim.into());
        for _ in 0..ndim {
            shape.push(u32::from_le_bytes(self.array()?) as usize);
        }
        let len = usize::try_from(u64::from_le_bytes(self.array()?))
            .map_err(|_| self.error(format!("{name}: length too large")))?;
        let tensor = Tensor {
            name: found,
            dtype,
            shape,
            data: self.bytes(len)?,
        };
        if tensor.name != name.as_bytes() {
            let found = String::from_utf8_lossy(tensor.name);
            return Err(self.error(format!("expected tensor {name}, found {found}")));
        }
        Ok(tensor)
    }

    /// The next tensor as float32 values of exactly `shape`.
    fn floats(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>, ModelError> {
        let tensor = self.next(name)?;
        let count: usize = shape.iter().product();
        if tensor.dtype != 0 || tensor.shape != shape || tensor.data.len() != count * 4 {
            return Err(self.error(format!(
                "{name}: expected float32 {shape:?}, found dtype {} {:?}",
                tensor.dtype, tensor.shape
            )));
        }
        Ok(tensor
            .data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    /// The next tensor as a `k` × `n` float32 matrix, packed for products.
    fn matrix(&mut self, name: &str, k: usize, n: usize) -> Result<PackedMatrix, ModelError> {
        let data = self.floats(name, &[k, n])?;
        pack(self.file, name, k, n, &data)
    }

    /// The next tensor as rows of `width` six-bit values: (rows, packed bytes).
    fn packed6(&mut self, name: &str, width: usize) -> Result<(usize, &'a [u8]), ModelError> {
        let tensor = self.next(name)?;
        match tensor.shape[..] {
            [rows, w]
                if tensor.dtype == 1 && w == width && tensor.data.len() == rows * ROW_BYTES =>
            {
                Ok((rows, tensor.data))
            }
            _ => Err(self.error(format!(
                "{name}: expected six-bit rows of {width}, found dtype {} {:?}",
                tensor.dtype, tensor.shape
            ))),
        }
    }

    /// Checks that nothing is left over.
    fn finish(self) -> Result<(), ModelError> {
        if self.remaining != 0 || self.pos != self.data.len() {
            return Err(self.error(format!("{} unexpected tensors at the end", self.remaining)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_norm_gives_zero_mean_unit_variance_before_the_affine_part() {
        let mut x = [1.0, 2.0, 3.0, 6.0];
        layer_norm(&mut x, &[1.0; 4], &[0.0; 4], 1e-12);
        let mean: f32 = x.iter().sum::<f32>() / 4.0;
        let var: f32 = x.iter().map(|v| v * v).sum::<f32>() / 4.0;
        assert!(mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5, "{x:?}");
        let mut y = [1.0, 2.0, 3.0, 6.0];
        layer_norm(&mut y, &[2.0; 4], &[1.0; 4], 1e-12);
        for (x, y) in x.iter().zip(&y) {
            assert!((y - (2.0 * x + 1.0)).abs() < 1e-5);
        }
    }

    #[test]
    fn container_errors_name_the_file_and_the_problem() {
        let err = Tensors::parse("weights.bin", b"NOTMAGIC\0\0\0\0").err();
        assert!(err.is_some_and(|e| e.to_string().contains("weights.bin")));
        let mut file = MAGIC.to_vec();
        file.extend_from_slice(&1u32.to_le_bytes());
        file.extend_from_slice(&[1, b'x', 0, 1]);
        file.extend_from_slice(&2u32.to_le_bytes());
        file.extend_from_slice(&8u64.to_le_bytes());
        file.extend_from_slice(&[0; 8]);
        let mut tensors = Tensors::parse("weights.bin", &file).expect("header ok");
        let err = tensors.floats("y", &[2]).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("weights.bin: expected tensor y, found x")
        );
        let mut tensors = Tensors::parse("weights.bin", &file).expect("header ok");
        assert_eq!(tensors.floats("x", &[2]).expect("x"), vec![0.0, 0.0]);
        let mut truncated = Tensors::parse("weights.bin", &file[..file.len() - 1]).expect("ok");
        assert!(truncated.floats("x", &[2]).is_err());
    }
}
