/* The native CPU kernels: whole training steps and forward/backward passes of the suite's
 * many-to-one recurrent networks (rnn, gru, lstm: input projection, recurrence, linear head) and of
 * the plain MLP, float32, one thread, K independent members per call, with a hand-written
 * backward (BPTT).
 *
 * Why native code: at the sizes of this suite a time step is a few microseconds of arithmetic, and
 * a framework call per operation costs as much again; one call here runs the whole sequence of
 * all K members, with register-blocked products and vectorised gate functions.
 * models/native.py builds this file with the machine's C compiler and loads it with ctypes; what
 * Python may call, and with which arguments, is listed once below (EXPORTS).
 *
 * Layouts (all contiguous, row-major), per member:
 *   xp (T, B, G)   input projections of every step, b_ih included   (G = gates · H)
 *   w  (H, G)      recurrent weights, so that pre = h W + b          (PyTorch's W_hh transposed)
 *   bh (G)         recurrent bias b_hh
 * Equations and gate order are PyTorch's: rnn tanh; lstm i f g o; gru r z n with
 * n = tanh(x_n + r (h W_n + b_hn)).  Each member is computed by the same code whatever K is, so
 * a member trained in a stack gets exactly the numbers it gets alone.
 */
#include <stdint.h>
#include <string.h>

typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));
typedef int32_t i8 __attribute__((vector_size(32)));

#define INLINE static inline __attribute__((always_inline))

INLINE v8 load(const float *p) { return *(const v8u *)p; }
INLINE void store(float *p, v8 v) { *(v8u *)p = v; }
INLINE v8 splat(float x) { return (v8){x, x, x, x, x, x, x, x}; }

/* ---- products ---------------------------------------------------------------------------- */

/* C[0:R, 0:8·NV] += A[0:R, :] @ Bm[:, 0:8·NV]; A's element (r, k) at A[r·ars + k·acs]. */
INLINE void tile(float *C, int ldc, const float *A, int ars, int acs, const float *Bm, int ldb, int Kd,
                 const int R, const int NV) {
    v8 acc[4][3];
    for (int r = 0; r < R; r++)
        for (int v = 0; v < NV; v++) acc[r][v] = load(C + r * ldc + 8 * v);
    for (int k = 0; k < Kd; k++) {
        const float *b = Bm + (int64_t)k * ldb;
        v8 bv[3];
        for (int v = 0; v < NV; v++) {
            bv[v] = load(b + 8 * v);
            __asm__("" : "+x"(bv[v])); /* keep it in a register: the compiler would re-load it per row */
        }
        for (int r = 0; r < R; r++) {
            v8 a = splat(A[r * ars + (int64_t)k * acs]);
            for (int v = 0; v < NV; v++) acc[r][v] += a * bv[v];
        }
    }
    for (int r = 0; r < R; r++)
        for (int v = 0; v < NV; v++) store(C + r * ldc + 8 * v, acc[r][v]);
}

/* Columns n..n+8·NV of C += A @ Bm, for all M rows: 4-row tiles, then single rows. A 4×24 tile
 * holds its 12 accumulators, 3 vectors of Bm and one broadcast in the 16 AVX registers: 7 loads
 * per 12 FMAs, so the FMA units set the pace rather than the loads (the compiler, left alone,
 * folds the loads of Bm into every row's FMA). The rows run inside the column panel, so that a
 * panel of Bm (Kd × 24) is read from memory once, not once per 4 rows, which matters once W_hh
 * outgrows the cache (docs/implementations.md). */
INLINE void column_panel(float *C, int ldc, const float *A, int ars, int acs, const float *Bm, int ldb, int M,
                         int Kd, const int NV) {
    int i = 0;
    for (; i + 4 <= M; i += 4) tile(C + (int64_t)i * ldc, ldc, A + (int64_t)i * ars, ars, acs, Bm, ldb, Kd, 4, NV);
    for (; i < M; i++) tile(C + (int64_t)i * ldc, ldc, A + (int64_t)i * ars, ars, acs, Bm, ldb, Kd, 1, NV);
}

/* C (M×N, row stride ldc) += A (M×Kd, element (i, k) at A[i·ars + k·acs]) @ Bm (Kd×N, stride ldb). */
static void gemm_acc(float *C, int ldc, const float *A, int ars, int acs, const float *Bm, int ldb,
                     int M, int Kd, int N) {
    int n = 0;
    for (; n + 24 <= N; n += 24) column_panel(C + n, ldc, A, ars, acs, Bm + n, ldb, M, Kd, 3);
    if (n + 16 <= N) { column_panel(C + n, ldc, A, ars, acs, Bm + n, ldb, M, Kd, 2); n += 16; }
    if (n + 8 <= N) { column_panel(C + n, ldc, A, ars, acs, Bm + n, ldb, M, Kd, 1); n += 8; }
    for (; n < N; n++) /* the last N % 8 columns */
        for (int i = 0; i < M; i++) {
            float s = C[(int64_t)i * ldc + n];
            for (int k = 0; k < Kd; k++) s += A[(int64_t)i * ars + (int64_t)k * acs] * Bm[(int64_t)k * ldb + n];
            C[(int64_t)i * ldc + n] = s;
        }
}

/* C (M×N) = bias (N, the same for every row) + A @ W, A as in gemm_acc, W (Kd×N) contiguous;
 * Kd = 0 leaves the bias alone. */
static void affine(float *C, const float *A, int ars, int acs, const float *W, const float *bias, int M, int Kd,
                   int N) {
    for (int i = 0; i < M; i++) memcpy(C + (int64_t)i * N, bias, sizeof(float) * N);
    if (Kd) gemm_acc(C, N, A, ars, acs, W, N, M, Kd, N);
}

/* db (G) = the column sums of d (rows×G). */
static void column_sums(float *db, const float *d, int64_t rows, int G) {
    memset(db, 0, sizeof(float) * G);
    for (int64_t r = 0; r < rows; r++)
        for (int g = 0; g < G; g++) db[g] += d[r * G + g];
}

/* wt (G×H) = w (H×G) transposed. */
static void transpose(float *wt, const float *w, int H, int G) {
    for (int j = 0; j < H; j++)
        for (int g = 0; g < G; g++) wt[(int64_t)g * H + j] = w[(int64_t)j * G + g];
}

/* db (G) = column sums of d (rows×G); dw (H×G) = prev^T @ d, prev (rows×H), whose first `zero`
 * rows are known to be zero (the initial state) and are skipped. */
static void weight_grads(float *dw, float *db, const float *prev, const float *d, int rows, int zero, int H, int G) {
    memset(dw, 0, sizeof(float) * H * G);
    gemm_acc(dw, G, prev + (int64_t)zero * H, 1, H, d + (int64_t)zero * G, G, H, rows - zero, G);
    column_sums(db, d, rows, G);
}

/* ---- gate functions, 8 lanes at a time ---------------------------------------------------- */

#if defined(__AVX__)
#include <immintrin.h>
INLINE v8 vmin(v8 a, v8 b) { return (v8)_mm256_min_ps((__m256)a, (__m256)b); }
INLINE v8 vmax(v8 a, v8 b) { return (v8)_mm256_max_ps((__m256)a, (__m256)b); }
#else
INLINE v8 pick(i8 mask, v8 a, v8 b) { return (v8)(((i8)a & mask) | ((i8)b & ~mask)); }
INLINE v8 vmin(v8 a, v8 b) { return pick(a < b, a, b); }
INLINE v8 vmax(v8 a, v8 b) { return pick(a > b, a, b); }
#endif

/* tanh(x) as a rational function of x (Eigen's float approximation: degree 13 over degree 6),
 * x clamped to ±7.9053 where tanh rounds to ±1 in float; no exp, one division. */
INLINE v8 vtanh(v8 x) {
    const v8 lim = splat(7.90531110763549805f);
    x = vmax(vmin(x, lim), -lim);
    v8 x2 = x * x;
    v8 p = splat(-2.76076847742355e-16f);
    p = p * x2 + 2.00018790482477e-13f;
    p = p * x2 + -8.60467152213735e-11f;
    p = p * x2 + 5.12229709037114e-08f;
    p = p * x2 + 1.48572235717979e-05f;
    p = p * x2 + 6.37261928875436e-04f;
    p = p * x2 + 4.89352455891786e-03f;
    v8 q = splat(1.19825839466702e-06f);
    q = q * x2 + 1.18534705686654e-04f;
    q = q * x2 + 2.26843463243900e-03f;
    q = q * x2 + 4.89352518554385e-03f;
    return x * p / q;
}

INLINE v8 vsigmoid(v8 x) { return 0.5f + 0.5f * vtanh(0.5f * x); }

/* Loads and stores of n < 8 trailing lanes go through a zeroed buffer, with the same arithmetic. */
INLINE v8 load_n(const float *p, int n) {
    if (n >= 8) return load(p);
    float buf[8] = {0};
    memcpy(buf, p, sizeof(float) * n);
    return load(buf);
}
INLINE void store_n(float *p, v8 v, int n) {
    if (n >= 8) { store(p, v); return; }
    float buf[8];
    store(buf, v);
    memcpy(p, buf, sizeof(float) * n);
}

/* ---- rnn: h_t = tanh(x_t + h_{t-1} W + b) ---------------------------------------------------- */

/* One member: x (T, B, H) input projections, W (H, H), b (H); hs (T+1, B, H): hs[0] = 0, hs[t+1] = h_t. */
static void rnn_forward(int T, int B, int H, const float *x, const float *W, const float *b, float *h) {
    const int64_t step = (int64_t)B * H;
    memset(h, 0, sizeof(float) * step);
    for (int t = 0; t < T; t++) {
        float *cur = h + (t + 1) * step;
        for (int r = 0; r < B; r++)
            for (int j = 0; j < H; j++) cur[r * H + j] = x[t * step + r * H + j] + b[j];
        if (t) gemm_acc(cur, H, h + t * step, H, 1, W, H, B, H, H); /* h_{-1} = 0 */
        for (int64_t i = 0; i < step; i += 8) store_n(cur + i, vtanh(load_n(cur + i, step - i)), step - i);
    }
}

/* dh (B, H): gradient of h_T. Writes d (T, B, H) = dxp, dw (H, H), db (H); wt (H×H) and dcur (B×H)
 * are scratch. */
static void rnn_backward(int T, int B, int H, const float *h, const float *w, const float *dh_last, float *d,
                         float *dw, float *db, float *wt, float *dcur) {
    const int64_t step = (int64_t)B * H;
    transpose(wt, w, H, H);
    memcpy(dcur, dh_last, sizeof(float) * step);
    for (int t = T - 1; t >= 0; t--) {
        const float *ht = h + (t + 1) * step;
        float *dt = d + t * step;
        for (int64_t i = 0; i < step; i++) dt[i] = dcur[i] * (1.0f - ht[i] * ht[i]);
        if (t) {
            memset(dcur, 0, sizeof(float) * step);
            gemm_acc(dcur, H, dt, H, 1, wt, H, B, H, H);
        }
    }
    weight_grads(dw, db, h, d, T * B, B, H, H);
}

/* ---- gru: r, z = σ(x + h W + b); n = tanh(x_n + r (h W_n + b_n)); h' = n + z (h - n) ---------- */

/* One member: xp (T, B, 3H), W (H, 3H), b (3H). Saved: hp (T, B, 3H) = h W + b_hh; rz (T, B, 2H);
 * ns (T, B, H); hs (T+1, B, H). */
static void gru_forward(int T, int B, int H, const float *xp, const float *W, const float *b, float *hp,
                        float *rz, float *ns, float *h) {
    const int G = 3 * H;
    const int64_t step = (int64_t)B * H;
    memset(h, 0, sizeof(float) * step);
    for (int t = 0; t < T; t++) {
        int64_t at = (int64_t)t * B;  /* row of (t, 0) in the (T·B)-row buffers */
        const float *x = xp + at * G;
        float *g = hp + at * G, *gz = rz + at * 2 * H, *n = ns + at * H;
        const float *prev = h + t * step;
        float *cur = h + (t + 1) * step;
        affine(g, prev, H, 1, W, b, B, t ? H : 0, G); /* h_{-1} = 0: no product at t = 0 */
        for (int r = 0; r < B; r++) {
            const float *xr = x + r * G, *gr = g + r * G, *pr = prev + r * H;
            float *zr = gz + r * 2 * H, *nr = n + r * H, *hr = cur + r * H;
            for (int j = 0; j < 2 * H; j += 8) {
                int m = 2 * H - j;
                store_n(zr + j, vsigmoid(load_n(xr + j, m) + load_n(gr + j, m)), m);
            }
            for (int j = 0; j < H; j += 8) {
                int m = H - j;
                v8 nn = vtanh(load_n(xr + 2 * H + j, m) + load_n(zr + j, m) * load_n(gr + 2 * H + j, m));
                store_n(nr + j, nn, m);
                store_n(hr + j, nn + load_n(zr + H + j, m) * (load_n(pr + j, m) - nn), m);
            }
        }
    }
}

/* Writes dxp (T, B, 3H), dw (H, 3H), db (3H); scratch: wt (3H×H), dg (T·B×3H), dcur (B×H). */
static void gru_backward(int T, int B, int H, const float *hp, const float *rz, const float *ns, const float *h,
                         const float *w, const float *dh_last, float *dxp, float *dw, float *db, float *wt,
                         float *dg, float *dcur) {
    const int G = 3 * H;
    const int64_t step = (int64_t)B * H;
    transpose(wt, w, H, G);
    memcpy(dcur, dh_last, sizeof(float) * step);
    for (int t = T - 1; t >= 0; t--) {
        int64_t at = (int64_t)t * B;
        float *dx = dxp + at * G, *dgt = dg + at * G;
        for (int r = 0; r < B; r++) {
            const float *g = hp + (at + r) * G, *gz = rz + (at + r) * 2 * H, *n = ns + (at + r) * H;
            const float *prev = h + t * step + r * H;
            float *dh = dcur + r * H, *dxr = dx + r * G, *dgr = dgt + r * G;
            for (int j = 0; j < H; j += 8) {
                int m = H - j;
                v8 rr = load_n(gz + j, m), z = load_n(gz + H + j, m), nn = load_n(n + j, m);
                v8 dhj = load_n(dh + j, m);
                v8 dn = dhj * (1.0f - z) * (1.0f - nn * nn);
                v8 dr = dn * load_n(g + 2 * H + j, m) * rr * (1.0f - rr);
                v8 dz = dhj * (load_n(prev + j, m) - nn) * z * (1.0f - z);
                store_n(dxr + j, dr, m);
                store_n(dxr + H + j, dz, m);
                store_n(dxr + 2 * H + j, dn, m);
                store_n(dgr + j, dr, m);
                store_n(dgr + H + j, dz, m);
                store_n(dgr + 2 * H + j, dn * rr, m);
                store_n(dh + j, dhj * z, m); /* the direct path; dg W^T is added below */
            }
        }
        if (t) gemm_acc(dcur, H, dgt, G, 1, wt, H, B, G, H);
    }
    weight_grads(dw, db, h, dg, T * B, B, H, G);
}

/* ---- lstm: i f g o; c' = f c + i g; h' = o tanh(c') ------------------------------------------- */

/* One member: xp (T, B, 4H), W (H, 4H), b (4H). Saved: acts (T, B, 4H) = i f g o after their
 * activations; hs, cs (T+1, B, H) with hs[0] = cs[0] = 0; tcs (T, B, H) = tanh(c_t). */
static void lstm_forward(int T, int B, int H, const float *xp, const float *W, const float *b, float *acts,
                         float *h, float *c, float *tcs) {
    const int G = 4 * H;
    const int64_t step = (int64_t)B * H;
    memset(h, 0, sizeof(float) * step);
    memset(c, 0, sizeof(float) * step);
    for (int t = 0; t < T; t++) {
        int64_t at = (int64_t)t * B;
        const float *x = xp + at * G;
        float *a = acts + at * G, *tc = tcs + at * H;
        for (int r = 0; r < B; r++)
            for (int j = 0; j < G; j++) a[r * G + j] = x[r * G + j] + b[j];
        if (t) gemm_acc(a, G, h + t * step, H, 1, W, G, B, H, G); /* h_{-1} = 0 */
        for (int r = 0; r < B; r++) {
            float *ar = a + r * G;
            const float *cp = c + t * step + r * H;
            float *cn = c + (t + 1) * step + r * H, *hn = h + (t + 1) * step + r * H, *tr = tc + r * H;
            for (int j = 0; j < H; j += 8) {
                int m = H - j;
                v8 i = vsigmoid(load_n(ar + j, m)), f = vsigmoid(load_n(ar + H + j, m));
                v8 gg = vtanh(load_n(ar + 2 * H + j, m)), o = vsigmoid(load_n(ar + 3 * H + j, m));
                v8 cc = f * load_n(cp + j, m) + i * gg, tt = vtanh(cc);
                store_n(ar + j, i, m);
                store_n(ar + H + j, f, m);
                store_n(ar + 2 * H + j, gg, m);
                store_n(ar + 3 * H + j, o, m);
                store_n(cn + j, cc, m);
                store_n(tr + j, tt, m);
                store_n(hn + j, o * tt, m);
            }
        }
    }
}

/* Writes d (T, B, 4H) = dxp, dw (H, 4H), db (4H); scratch: wt (4H×H), dcur and dc (B×H). */
static void lstm_backward(int T, int B, int H, const float *acts, const float *h, const float *c, const float *tcs,
                          const float *w, const float *dh_last, float *d, float *dw, float *db, float *wt,
                          float *dcur, float *dc) {
    const int G = 4 * H;
    const int64_t step = (int64_t)B * H;
    transpose(wt, w, H, G);
    memcpy(dcur, dh_last, sizeof(float) * step);
    memset(dc, 0, sizeof(float) * step);
    for (int t = T - 1; t >= 0; t--) {
        int64_t at = (int64_t)t * B;
        float *dt = d + at * G;
        for (int r = 0; r < B; r++) {
            const float *a = acts + (at + r) * G, *tc = tcs + (at + r) * H, *cp = c + t * step + r * H;
            float *dh = dcur + r * H, *dcr = dc + r * H, *dr = dt + r * G;
            for (int j = 0; j < H; j += 8) {
                int m = H - j;
                v8 i = load_n(a + j, m), f = load_n(a + H + j, m), g = load_n(a + 2 * H + j, m);
                v8 o = load_n(a + 3 * H + j, m), tt = load_n(tc + j, m), dhj = load_n(dh + j, m);
                v8 dcj = load_n(dcr + j, m) + dhj * o * (1.0f - tt * tt);
                store_n(dr + j, dcj * g * i * (1.0f - i), m);
                store_n(dr + H + j, dcj * load_n(cp + j, m) * f * (1.0f - f), m);
                store_n(dr + 2 * H + j, dcj * i * (1.0f - g * g), m);
                store_n(dr + 3 * H + j, dhj * tt * o * (1.0f - o), m);
                store_n(dcr + j, dcj * f, m);
            }
        }
        if (t) {
            memset(dcur, 0, sizeof(float) * step);
            gemm_acc(dcur, H, dt, G, 1, wt, H, B, G, H);
        }
    }
    weight_grads(dw, db, h, d, T * B, B, H, G);
}

/* ---- the rest of a many-to-one network: input projection, head, squared error ---------------- */

/* One member: xp (T, B, G) = x W_ih + b_ih for every step; x (B, T, F), w_ih (F, G), b_ih (G). */
static void project_forward(int T, int B, int F, int G, const float *x, const float *w_ih, const float *b_ih,
                            float *xp) {
    for (int t = 0; t < T; t++) affine(xp + (int64_t)t * B * G, x + (int64_t)t * F, T * F, 1, w_ih, b_ih, B, F, G);
}

/* dw_ih (F, G) = Σ_t x_t^T dxp_t, db_ih (G) = Σ dxp, from dxp (T, B, G). */
static void project_backward(int T, int B, int F, int G, const float *x, const float *dxp, float *dw_ih,
                             float *db_ih) {
    memset(dw_ih, 0, sizeof(float) * F * G);
    for (int t = 0; t < T; t++)
        gemm_acc(dw_ih, G, x + (int64_t)t * F, 1, T * F, dxp + (int64_t)t * B * G, G, F, B, G);
    column_sums(db_ih, dxp, (int64_t)T * B, G);
}

/* From dy (B, O): dh (B, H) = dy w_o^T, dw_o (H, O) = h^T dy, db_o (O); h (B, H); wt (O×H) scratch. */
static void head_backward(int B, int H, int O, const float *h, const float *w_o, const float *dy, float *dh,
                          float *dw_o, float *db_o, float *wt) {
    transpose(wt, w_o, H, O);
    memset(dh, 0, sizeof(float) * B * H);
    gemm_acc(dh, H, dy, O, 1, wt, H, B, O, H);
    weight_grads(dw_o, db_o, h, dy, B, 0, H, O);
}

/* One member's mean squared error and its gradient: *loss = mean over N of (y - t)², and
 * dy = 2 (y - t) / N; y, t, dy (N). */
static void mse(int N, const float *y, const float *t, float *loss, float *dy) {
    const float scale = 2.0f / N;
    float s = 0.0f;
    for (int i = 0; i < N; i++) {
        float d = y[i] - t[i];
        s += d * d;
        dy[i] = d * scale;
    }
    *loss = s / N;
}

/* ---- buffers: the one place that knows their sizes ------------------------------------------ */

enum { RNN = 0, GRU = 1, LSTM = 2 };
static const int GATES_OF[] = {1, 3, 4};

/* The kind named by a string ("rnn", "gru", "lstm"), or -1. */
static int kind_of(const char *name) {
    static const char *const names[] = {"rnn", "gru", "lstm"};
    for (int k = 0; k < 3; k++)
        if (strcmp(name, names[k]) == 0) return k;
    return -1;
}

/* Carves n floats at offset *used of base (base NULL: only counts), each buffer on a 64-byte boundary. */
static float *take(float *base, int64_t *used, int64_t n) {
    float *p = base ? base + *used : NULL;
    *used += (n + 15) / 16 * 16;
    return p;
}

/* What a member's forward keeps for its backward: the input projections and the kind's states. */
typedef struct { float *xp, *hs, *hp, *rz, *ns, *acts, *cs, *tcs; } Saved;
/* What a backward needs only while it runs (shared by the members, one after another). */
typedef struct { float *dxp, *dh, *y, *dy, *wt_o, *wt, *dcur, *dc, *dg; } Scratch;

/* One member's Saved buffers carved from base (NULL: counted only); returns the floats they take. */
static int64_t saved_layout(int kind, int T, int B, int H, float *base, Saved *s) {
    const int64_t G = (int64_t)GATES_OF[kind] * H, steps = (int64_t)T * B, state = (int64_t)(T + 1) * B * H;
    int64_t used = 0;
    *s = (Saved){0};
    s->xp = take(base, &used, steps * G);
    s->hs = take(base, &used, state);
    if (kind == GRU) {
        s->hp = take(base, &used, steps * G);
        s->rz = take(base, &used, steps * 2 * H);
        s->ns = take(base, &used, steps * H);
    } else if (kind == LSTM) {
        s->acts = take(base, &used, steps * G);
        s->cs = take(base, &used, state);
        s->tcs = take(base, &used, steps * H);
    }
    return used;
}

/* The Scratch buffers carved from base (NULL: counted only); returns the floats they take. */
static int64_t scratch_layout(int kind, int T, int B, int H, int O, float *base, Scratch *s) {
    const int64_t G = (int64_t)GATES_OF[kind] * H, steps = (int64_t)T * B, step = (int64_t)B * H;
    int64_t used = 0;
    *s = (Scratch){0};
    s->dxp = take(base, &used, steps * G);
    s->dh = take(base, &used, step);
    s->y = take(base, &used, (int64_t)B * O);
    s->dy = take(base, &used, (int64_t)B * O);
    s->wt_o = take(base, &used, (int64_t)H * O);
    s->wt = take(base, &used, G * H);
    s->dcur = take(base, &used, step);
    s->dc = take(base, &used, step);
    if (kind == GRU) s->dg = take(base, &used, steps * G);
    return used;
}

/* ---- one member of a many-to-one network: forward and backward -------------------------------- */

/* The parameters of member k, each contiguous: w_ih (F, G), b_ih (G), w_hh (H, G), b_hh (G), w_o (H, O), b_o (O). */
typedef struct { const float *w_ih, *b_ih, *w_hh, *b_hh, *w_o, *b_o; } Params;
typedef struct { float *w_ih, *b_ih, *w_hh, *b_hh, *w_o, *b_o; } Grads;

/* y (B, O) from x (B, T, F): the input projection of every step, the recurrence, a linear head on h_T. */
static void member_forward(int kind, int T, int B, int F, int H, int O, const float *x, Params p, Saved s,
                           float *y) {
    project_forward(T, B, F, GATES_OF[kind] * H, x, p.w_ih, p.b_ih, s.xp);
    if (kind == RNN) rnn_forward(T, B, H, s.xp, p.w_hh, p.b_hh, s.hs);
    else if (kind == GRU) gru_forward(T, B, H, s.xp, p.w_hh, p.b_hh, s.hp, s.rz, s.ns, s.hs);
    else lstm_forward(T, B, H, s.xp, p.w_hh, p.b_hh, s.acts, s.hs, s.cs, s.tcs);
    affine(y, s.hs + (int64_t)T * B * H, H, 1, p.w_o, p.b_o, B, H, O);
}

/* Every parameter's gradient from dy (B, O), the gradient of member_forward's y. */
static void member_backward(int kind, int T, int B, int F, int H, int O, const float *x, Params p, Saved s,
                            Scratch w, const float *dy, Grads g) {
    head_backward(B, H, O, s.hs + (int64_t)T * B * H, p.w_o, dy, w.dh, g.w_o, g.b_o, w.wt_o);
    if (kind == RNN) rnn_backward(T, B, H, s.hs, p.w_hh, w.dh, w.dxp, g.w_hh, g.b_hh, w.wt, w.dcur);
    else if (kind == GRU)
        gru_backward(T, B, H, s.hp, s.rz, s.ns, s.hs, p.w_hh, w.dh, w.dxp, g.w_hh, g.b_hh, w.wt, w.dg, w.dcur);
    else lstm_backward(T, B, H, s.acts, s.hs, s.cs, s.tcs, p.w_hh, w.dh, w.dxp, g.w_hh, g.b_hh, w.wt, w.dcur, w.dc);
    project_backward(T, B, F, GATES_OF[kind] * H, x, w.dxp, g.w_ih, g.b_ih);
}

/* Member k's slices of the stacked (K, ...) parameters and gradients. */
static Params member_params(int k, int F, int G, int H, int O, const float *w_ih, const float *b_ih,
                            const float *w_hh, const float *b_hh, const float *w_o, const float *b_o) {
    return (Params){w_ih + (int64_t)k * F * G, b_ih + (int64_t)k * G, w_hh + (int64_t)k * H * G,
                    b_hh + (int64_t)k * G, w_o + (int64_t)k * H * O, b_o + (int64_t)k * O};
}

static Grads member_grads(int k, int F, int G, int H, int O, float *w_ih, float *b_ih, float *w_hh, float *b_hh,
                          float *w_o, float *b_o) {
    return (Grads){w_ih + (int64_t)k * F * G, b_ih + (int64_t)k * G, w_hh + (int64_t)k * H * G,
                   b_hh + (int64_t)k * G, w_o + (int64_t)k * H * O, b_o + (int64_t)k * O};
}

/* ---- what Python calls ---------------------------------------------------------------------- */
/* Every exported function is listed here, once: the list declares it (so the compiler checks its
 * definition against it) and gives models/native.py its signature as text, through
 * seqbench_export(i), so the two languages cannot disagree on an argument's type or place.
 * Python passes arguments by name. A kind is "rnn", "gru" or "lstm"; an int result < 0 means an
 * unknown kind. Stacked tensors are contiguous and member-major: x (K, B, T, F), w_ih (K, F, G),
 * b_ih (K, G), w_hh (K, H, G), b_hh (K, G), w_o (K, H, O), b_o (K, O), y and target (K, B, O),
 * with G = gates · H; g_* are the gradients, shaped like their parameters. work is scratch of the
 * size the matching *_floats function gives, 64-byte aligned. */
#define EXPORTS(X)                                                                                                 \
    X(int64_t, network_floats, (const char *kind, int K, int T, int B, int H, int O, int keep))                   \
    X(int, network_forward, (const char *kind, int K, int T, int B, int F, int H, int O, const float *x,         \
                             const float *w_ih, const float *b_ih, const float *w_hh, const float *b_hh,         \
                             const float *w_o, const float *b_o, float *y, int keep, float *work))               \
    X(int, network_backward, (const char *kind, int K, int T, int B, int F, int H, int O, const float *x,        \
                              const float *w_ih, const float *b_ih, const float *w_hh, const float *b_hh,        \
                              const float *w_o, const float *b_o, const float *dy, float *g_w_ih, float *g_b_ih, \
                              float *g_w_hh, float *g_b_hh, float *g_w_o, float *g_b_o, float *work))            \
    X(int64_t, mse_train_step_floats, (const char *kind, int T, int B, int H, int O))                             \
    X(int, mse_train_step, (const char *kind, int K, int T, int B, int F, int H, int O, int64_t x_stride,        \
                            int64_t t_stride, const float *x, const float *target, const float *w_ih,            \
                            const float *b_ih, const float *w_hh, const float *b_hh, const float *w_o,           \
                            const float *b_o, float *g_w_ih, float *g_b_ih, float *g_w_hh, float *g_b_hh,        \
                            float *g_w_o, float *g_b_o, float *losses, float *work))                             \
    X(int64_t, mlp_mse_train_step_floats, (int B, int L, const int *sizes))                                       \
    X(int, mlp_mse_train_step, (int K, int B, int L, const int *sizes, const float *x, const float *target,       \
                                const float *const *w, const float *const *b, float *const *gw,                  \
                                float *const *gb, float *losses, float *work))

#define DECLARE(result, name, params) result name params;
#define SIGNATURE(result, name, params) #result " " #name #params,
EXPORTS(DECLARE)
const char *seqbench_export(int i);

/* The i-th exported function's signature as C text, e.g. "int64_t network_floats(const char *kind, ...)";
 * NULL past the last. */
const char *seqbench_export(int i) {
    static const char *const signatures[] = {EXPORTS(SIGNATURE)};
    return i >= 0 && i < (int)(sizeof signatures / sizeof *signatures) ? signatures[i] : NULL;
}

/* Floats of work for network_forward and network_backward: K members' Saved (with keep; else one
 * member's, which serves them all in turn) and one Scratch. */
int64_t network_floats(const char *kind, int K, int T, int B, int H, int O, int keep) {
    int id = kind_of(kind);
    Saved s;
    Scratch w;
    if (id < 0) return -1;
    return (int64_t)(keep ? K : 1) * saved_layout(id, T, B, H, NULL, &s) + scratch_layout(id, T, B, H, O, NULL, &w);
}

/* y (K, B, O) from x. With keep, work keeps what network_backward needs, untouched until then;
 * without (a forward that needs no gradient), the members reuse one member's buffers. */
int network_forward(const char *kind, int K, int T, int B, int F, int H, int O, const float *x, const float *w_ih,
                    const float *b_ih, const float *w_hh, const float *b_hh, const float *w_o, const float *b_o,
                    float *y, int keep, float *work) {
    int id = kind_of(kind);
    if (id < 0) return -1;
    Saved s;
    const int G = GATES_OF[id] * H;
    const int64_t per = saved_layout(id, T, B, H, NULL, &s);
    for (int k = 0; k < K; k++) {
        saved_layout(id, T, B, H, work + (keep ? k : 0) * per, &s);
        member_forward(id, T, B, F, H, O, x + (int64_t)k * B * T * F,
                       member_params(k, F, G, H, O, w_ih, b_ih, w_hh, b_hh, w_o, b_o), s, y + (int64_t)k * B * O);
    }
    return 0;
}

/* The parameters' gradients (into g_*) from dy (K, B, O), after network_forward with keep on the same work. */
int network_backward(const char *kind, int K, int T, int B, int F, int H, int O, const float *x, const float *w_ih,
                     const float *b_ih, const float *w_hh, const float *b_hh, const float *w_o, const float *b_o,
                     const float *dy, float *g_w_ih, float *g_b_ih, float *g_w_hh, float *g_b_hh, float *g_w_o,
                     float *g_b_o, float *work) {
    int id = kind_of(kind);
    if (id < 0) return -1;
    Saved s;
    Scratch w;
    const int G = GATES_OF[id] * H;
    const int64_t per = saved_layout(id, T, B, H, NULL, &s);
    scratch_layout(id, T, B, H, O, work + K * per, &w);
    for (int k = 0; k < K; k++) {
        saved_layout(id, T, B, H, work + k * per, &s);
        member_backward(id, T, B, F, H, O, x + (int64_t)k * B * T * F,
                        member_params(k, F, G, H, O, w_ih, b_ih, w_hh, b_hh, w_o, b_o), s, w, dy + (int64_t)k * B * O,
                        member_grads(k, F, G, H, O, g_w_ih, g_b_ih, g_w_hh, g_b_hh, g_w_o, g_b_o));
    }
    return 0;
}

/* Floats of work mse_train_step needs: one member's Saved and one Scratch, since members are
 * trained one after another. */
int64_t mse_train_step_floats(const char *kind, int T, int B, int H, int O) {
    int id = kind_of(kind);
    Saved s;
    Scratch w;
    if (id < 0) return -1;
    return saved_layout(id, T, B, H, NULL, &s) + scratch_layout(id, T, B, H, O, NULL, &w);
}

/* One training step's forward and backward without autograd: each member's mean squared error on
 * x against target into losses (K), and the gradients of their sum with respect to the parameters
 * into g_*. Member k's x and target start at x + k·x_stride and target + k·t_stride, each
 * contiguous. A member's whole step runs before the next member's, so that its weights and states
 * stay in the core's cache from forward to backward (the members' arithmetic does not depend on
 * the order). */
int mse_train_step(const char *kind, int K, int T, int B, int F, int H, int O, int64_t x_stride, int64_t t_stride,
                   const float *x, const float *target, const float *w_ih, const float *b_ih, const float *w_hh,
                   const float *b_hh, const float *w_o, const float *b_o, float *g_w_ih, float *g_b_ih,
                   float *g_w_hh, float *g_b_hh, float *g_w_o, float *g_b_o, float *losses, float *work) {
    int id = kind_of(kind);
    if (id < 0) return -1;
    Saved s;
    Scratch w;
    const int G = GATES_OF[id] * H;
    const int64_t per = saved_layout(id, T, B, H, work, &s);
    scratch_layout(id, T, B, H, O, work + per, &w);
    for (int k = 0; k < K; k++) {
        const float *xk = x + k * x_stride;
        Params p = member_params(k, F, G, H, O, w_ih, b_ih, w_hh, b_hh, w_o, b_o);
        member_forward(id, T, B, F, H, O, xk, p, s, w.y);
        mse(B * O, w.y, target + k * t_stride, losses + k, w.dy);
        member_backward(id, T, B, F, H, O, xk, p, s, w, w.dy,
                        member_grads(k, F, G, H, O, g_w_ih, g_b_ih, g_w_hh, g_b_hh, g_w_o, g_b_o));
    }
    return 0;
}

/* ---- the plain MLP's training step ----------------------------------------------------------- */

/* An MLP on the flattened window: a_0 = x (B × n_0), a_{l+1} = relu(a_l W_l + b_l) for the L hidden
 * layers, y = a_L W_L + b_L (n_{L+1} = O outputs); sizes = n_0 .. n_{L+1}; w[l] (K, n_l, n_{l+1}),
 * b[l] (K, n_{l+1}). Its buffers, carved from base (NULL: counted only): the activations acts[1..L+1]
 * (B × n_l), dy (B × O), two gradients of the widest layer, and the largest W_l transposed;
 * returns the floats they take. */
static int64_t mlp_layout(int B, int L, const int *sizes, float *base, float **acts, float **dy, float **d0,
                          float **d1, float **wt) {
    int64_t used = 0, widest = 0, largest = 0;
    for (int l = 0; l <= L + 1; l++) widest = sizes[l] > widest ? sizes[l] : widest;
    for (int l = 0; l <= L; l++)
        largest = (int64_t)sizes[l] * sizes[l + 1] > largest ? (int64_t)sizes[l] * sizes[l + 1] : largest;
    for (int l = 1; l <= L + 1; l++) acts[l] = take(base, &used, (int64_t)B * sizes[l]);
    *dy = take(base, &used, (int64_t)B * sizes[L + 1]);
    *d0 = take(base, &used, B * widest);
    *d1 = take(base, &used, B * widest);
    *wt = take(base, &used, largest);
    return used;
}

int64_t mlp_mse_train_step_floats(int B, int L, const int *sizes) {
    float *acts[L + 2], *dy, *d0, *d1, *wt;
    return mlp_layout(B, L, sizes, NULL, acts, &dy, &d0, &d1, &wt);
}

/* Each member's mean squared error against target (K, B, O) into losses, and the gradients of
 * their sum into gw[l], gb[l]. */
int mlp_mse_train_step(int K, int B, int L, const int *sizes, const float *x, const float *target,
                       const float *const *w, const float *const *b, float *const *gw, float *const *gb,
                       float *losses, float *work) {
    const int O = sizes[L + 1];
    float *acts[L + 2], *dy, *d0, *d1, *wt;
    mlp_layout(B, L, sizes, work, acts, &dy, &d0, &d1, &wt);
    for (int k = 0; k < K; k++) {
        acts[0] = (float *)x + (int64_t)k * B * sizes[0];
        for (int l = 0; l <= L; l++) {
            const int n_in = sizes[l], n_out = sizes[l + 1];
            float *a = acts[l + 1];
            affine(a, acts[l], n_in, 1, w[l] + (int64_t)k * n_in * n_out, b[l] + (int64_t)k * n_out, B, n_in, n_out);
            if (l < L)
                for (int64_t i = 0; i < (int64_t)B * n_out; i++) a[i] = a[i] > 0.0f ? a[i] : 0.0f;
        }
        mse(B * O, acts[L + 1], target + (int64_t)k * B * O, losses + k, dy);
        float *d = dy, *spare = d0;
        for (int l = L; l >= 0; l--) {
            const int n_in = sizes[l], n_out = sizes[l + 1];
            weight_grads(gw[l] + (int64_t)k * n_in * n_out, gb[l] + (int64_t)k * n_out, acts[l], d, B, 0, n_in, n_out);
            if (l == 0) break;
            float *dn = spare; /* d a_l = (d W_l^T) · [a_l > 0] */
            transpose(wt, w[l] + (int64_t)k * n_in * n_out, n_in, n_out);
            memset(dn, 0, sizeof(float) * B * n_in);
            gemm_acc(dn, n_in, d, n_out, 1, wt, n_in, B, n_out, n_in);
            for (int64_t i = 0; i < (int64_t)B * n_in; i++) dn[i] = acts[l][i] > 0.0f ? dn[i] : 0.0f;
            spare = (dn == d0) ? d1 : d0;
            d = dn;
        }
    }
    return 0;
}
