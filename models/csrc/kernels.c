/* Stacked recurrences (rnn, gru, lstm) on the CPU, forward and hand-written backward (BPTT),
 * float32, one thread, for K independent members in one call; with the rest of a many-to-one
 * network (input projection, head, squared error) and the plain MLP, whole training steps.
 *
 * Why native code: at the sizes of this suite (B = 8..128 rows, H = 8..400) a time step is a few
 * microseconds of arithmetic, and a framework call per operation costs as much again; one call
 * here runs the whole sequence of all K members, with register-blocked products and
 * vectorised gate functions. models/native.py builds this file with the machine's C compiler
 * and loads it with ctypes; models/recurrence.py falls back to torch operations without it.
 *
 * Layouts (all contiguous, row-major, member-major):
 *   xp (K, T, B, G)   input projections of every step, b_ih included   (G = gates · H)
 *   w  (K, H, G)      recurrent weights, so that pre = h W + b          (PyTorch's W_hh transposed)
 *   bh (K, G)         recurrent bias b_hh
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
 * per 12 FMAs, so the FMA units set the pace (measured at 8×64 @ 64×64: 73 GFLOP/s, against 38
 * when the compiler folds the loads of Bm into every row's FMA). The rows run inside the column
 * panel, so that a panel of Bm (Kd × 24) is read from memory once, not once per 4 rows: with
 * H = 400 (W_hh 2.5 MB) the other order made the step 3x slower than MKL. */
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

/* hs (K, T+1, B, H): hs[:, 0] = 0, hs[:, t+1] = h_t. */
void rnn_forward(int K, int T, int B, int H, const float *xp, const float *w, const float *bh, float *hs) {
    const int64_t step = (int64_t)B * H;
    for (int k = 0; k < K; k++) {
        const float *x = xp + k * T * step, *W = w + (int64_t)k * H * H, *b = bh + (int64_t)k * H;
        float *h = hs + k * (T + 1) * step;
        memset(h, 0, sizeof(float) * step);
        for (int t = 0; t < T; t++) {
            float *cur = h + (t + 1) * step;
            for (int r = 0; r < B; r++)
                for (int j = 0; j < H; j++) cur[r * H + j] = x[t * step + r * H + j] + b[j];
            if (t) gemm_acc(cur, H, h + t * step, H, 1, W, H, B, H, H); /* h_{-1} = 0 */
            for (int64_t i = 0; i < step; i += 8) store_n(cur + i, vtanh(load_n(cur + i, step - i)), step - i);
        }
    }
}

/* dh (K, B, H): gradient of h_T. Writes dxp (K, T, B, H), dw (K, H, H), db (K, H); wt (H×H) and
 * dcur (B×H) are scratch. */
void rnn_backward(int K, int T, int B, int H, const float *hs, const float *w, const float *dh_last,
                  float *dxp, float *dw, float *db, float *wt, float *dcur) {
    const int64_t step = (int64_t)B * H;
    for (int k = 0; k < K; k++) {
        const float *h = hs + k * (T + 1) * step;
        float *d = dxp + k * T * step;
        transpose(wt, w + (int64_t)k * H * H, H, H);
        memcpy(dcur, dh_last + k * step, sizeof(float) * step);
        for (int t = T - 1; t >= 0; t--) {
            const float *ht = h + (t + 1) * step;
            float *dt = d + t * step;
            for (int64_t i = 0; i < step; i++) dt[i] = dcur[i] * (1.0f - ht[i] * ht[i]);
            if (t) {
                memset(dcur, 0, sizeof(float) * step);
                gemm_acc(dcur, H, dt, H, 1, wt, H, B, H, H);
            }
        }
        weight_grads(dw + (int64_t)k * H * H, db + (int64_t)k * H, h, d, T * B, B, H, H);
    }
}

/* ---- gru: r, z = σ(x + h W + b); n = tanh(x_n + r (h W_n + b_n)); h' = n + z (h - n) ---------- */

/* Saved: hp (K, T, B, 3H) = h W + b_hh; rz (K, T, B, 2H); ns (K, T, B, H); hs (K, T+1, B, H). */
void gru_forward(int K, int T, int B, int H, const float *xp, const float *w, const float *bh,
                 float *hp, float *rz, float *ns, float *hs) {
    const int G = 3 * H;
    const int64_t step = (int64_t)B * H;
    for (int k = 0; k < K; k++) {
        const float *W = w + (int64_t)k * H * G, *b = bh + (int64_t)k * G;
        float *h = hs + k * (T + 1) * step;
        memset(h, 0, sizeof(float) * step);
        for (int t = 0; t < T; t++) {
            int64_t at = (int64_t)(k * T + t) * B;  /* row of (k, t, 0) in the (K·T·B)-row buffers */
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
}

/* Writes dxp (K, T, B, 3H), dw (K, H, 3H), db (K, 3H); scratch: wt (3H×H), dg (T·B×3H), dcur (B×H). */
void gru_backward(int K, int T, int B, int H, const float *hp, const float *rz, const float *ns, const float *hs,
                  const float *w, const float *dh_last, float *dxp, float *dw, float *db, float *wt, float *dg,
                  float *dcur) {
    const int G = 3 * H;
    const int64_t step = (int64_t)B * H;
    for (int k = 0; k < K; k++) {
        const float *h = hs + k * (T + 1) * step;
        transpose(wt, w + (int64_t)k * H * G, H, G);
        memcpy(dcur, dh_last + k * step, sizeof(float) * step);
        for (int t = T - 1; t >= 0; t--) {
            int64_t at = (int64_t)(k * T + t) * B;
            float *dx = dxp + at * G, *dgt = dg + (int64_t)t * B * G;
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
        weight_grads(dw + (int64_t)k * H * G, db + (int64_t)k * G, h, dg, T * B, B, H, G);
    }
}

/* ---- lstm: i f g o; c' = f c + i g; h' = o tanh(c') ------------------------------------------- */

/* Saved: acts (K, T, B, 4H) = i f g o after their activations; hs, cs (K, T+1, B, H) with
 * hs[:, 0] = cs[:, 0] = 0; tcs (K, T, B, H) = tanh(c_t). */
void lstm_forward(int K, int T, int B, int H, const float *xp, const float *w, const float *bh,
                  float *acts, float *hs, float *cs, float *tcs) {
    const int G = 4 * H;
    const int64_t step = (int64_t)B * H;
    for (int k = 0; k < K; k++) {
        const float *W = w + (int64_t)k * H * G, *b = bh + (int64_t)k * G;
        float *h = hs + k * (T + 1) * step, *c = cs + k * (T + 1) * step;
        memset(h, 0, sizeof(float) * step);
        memset(c, 0, sizeof(float) * step);
        for (int t = 0; t < T; t++) {
            int64_t at = (int64_t)(k * T + t) * B;
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
}

/* Writes dxp (K, T, B, 4H), dw (K, H, 4H), db (K, 4H); scratch: wt (4H×H), dcur and dc (B×H). */
void lstm_backward(int K, int T, int B, int H, const float *acts, const float *hs, const float *cs,
                   const float *tcs, const float *w, const float *dh_last, float *dxp, float *dw, float *db,
                   float *wt, float *dcur, float *dc) {
    const int G = 4 * H;
    const int64_t step = (int64_t)B * H;
    for (int k = 0; k < K; k++) {
        const float *h = hs + k * (T + 1) * step, *c = cs + k * (T + 1) * step;
        transpose(wt, w + (int64_t)k * H * G, H, G);
        memcpy(dcur, dh_last + k * step, sizeof(float) * step);
        memset(dc, 0, sizeof(float) * step);
        for (int t = T - 1; t >= 0; t--) {
            int64_t at = (int64_t)(k * T + t) * B;
            float *d = dxp + at * G;
            for (int r = 0; r < B; r++) {
                const float *a = acts + (at + r) * G, *tc = tcs + (at + r) * H, *cp = c + t * step + r * H;
                float *dh = dcur + r * H, *dcr = dc + r * H, *dr = d + r * G;
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
                gemm_acc(dcur, H, d, G, 1, wt, H, B, G, H);
            }
        }
        weight_grads(dw + (int64_t)k * H * G, db + (int64_t)k * G, h, dxp + (int64_t)k * T * B * G, T * B, B, H,
                     G);
    }
}

/* ---- the rest of a many-to-one network: input projection and head ------------------------- */

/* xp (K, T, B, G) = x W_ih + b_ih for every step; x (K, B, T, F), w_ih (K, F, G), b_ih (K, G). */
void project_forward(int K, int T, int B, int F, int G, const float *x, const float *w_ih, const float *b_ih,
                     float *xp) {
    for (int k = 0; k < K; k++) {
        const float *xk = x + (int64_t)k * B * T * F, *W = w_ih + (int64_t)k * F * G, *b = b_ih + (int64_t)k * G;
        for (int t = 0; t < T; t++) {
            affine(xp + (int64_t)(k * T + t) * B * G, xk + (int64_t)t * F, T * F, 1, W, b, B, F, G);
        }
    }
}

/* dw_ih (K, F, G) = Σ_t x_t^T dxp_t, db_ih (K, G) = Σ dxp, from dxp (K, T, B, G). */
void project_backward(int K, int T, int B, int F, int G, const float *x, const float *dxp, float *dw_ih,
                      float *db_ih) {
    for (int k = 0; k < K; k++) {
        const float *xk = x + (int64_t)k * B * T * F, *d = dxp + (int64_t)k * T * B * G;
        float *dw = dw_ih + (int64_t)k * F * G, *db = db_ih + (int64_t)k * G;
        memset(dw, 0, sizeof(float) * F * G);
        for (int t = 0; t < T; t++)
            gemm_acc(dw, G, xk + (int64_t)t * F, 1, T * F, d + (int64_t)t * B * G, G, F, B, G);
        column_sums(db, d, (int64_t)T * B, G);
    }
}

/* y (K, B, O) = h w_o + b_o; h (K, B, H), w_o (K, H, O), b_o (K, O). */
void head_forward(int K, int B, int H, int O, const float *h, const float *w_o, const float *b_o, float *y) {
    for (int k = 0; k < K; k++)
        affine(y + (int64_t)k * B * O, h + (int64_t)k * B * H, H, 1, w_o + (int64_t)k * H * O, b_o + (int64_t)k * O,
               B, H, O);
}

/* From dy (K, B, O): dh (K, B, H) = dy w_o^T, dw_o (K, H, O) = h^T dy, db_o (K, O); wt (O×H) scratch. */
void head_backward(int K, int B, int H, int O, const float *h, const float *w_o, const float *dy, float *dh,
                   float *dw_o, float *db_o, float *wt) {
    for (int k = 0; k < K; k++) {
        const float *dyk = dy + (int64_t)k * B * O;
        float *dhk = dh + (int64_t)k * B * H;
        transpose(wt, w_o + (int64_t)k * H * O, H, O);
        memset(dhk, 0, sizeof(float) * B * H);
        gemm_acc(dhk, H, dyk, O, 1, wt, H, B, O, H);
        weight_grads(dw_o + (int64_t)k * H * O, db_o + (int64_t)k * O, h + (int64_t)k * B * H, dyk, B, 0, H, O);
    }
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

/* ---- one whole training step: forward, mean squared error, backward ------------------------- */

enum { RNN = 0, GRU = 1, LSTM = 2 };
static const int GATES_OF[] = {1, 3, 4};

/* Carves n floats off *at, keeping every buffer on a 64-byte boundary. */
static float *take(float **at, int64_t n) {
    float *p = *at;
    *at += (n + 15) / 16 * 16;
    return p;
}

/* Floats of scratch mse_train_step needs (pass a buffer of this size, 64-byte aligned): the
 * buffers of one member, since members are trained one after another. */
int64_t mse_train_step_floats(int kind, int T, int B, int H, int O) {
    const int64_t G = (int64_t)GATES_OF[kind] * H, steps = (int64_t)T * B, state = (int64_t)(T + 1) * B * H;
    int64_t n = 2 * steps * G + 2 * (int64_t)B * (H + O) + H * O + G * H + 2 * (int64_t)B * H + state
                + 16 * 16; /* xp, dxp, h, dh, y, dy, wt_o, wt, dcur, dc, hs, and each buffer's padding */
    if (kind == GRU) n += steps * G + steps * 3 * H + steps * G;
    if (kind == LSTM) n += steps * G + state + steps * H;
    return n;
}

/* Each member's mean squared error on x (K, B, T, F) against target (K, B, O) into losses (K)
 * (member k's x and target at x + k·x_stride and target + k·t_stride, each contiguous),
 * and the gradients of their sum with respect to the parameters (w_ih (K, F, G), b_ih (K, G),
 * w_hh (K, H, G), b_hh (K, G), w_o (K, H, O), b_o (K, O)) into the g_* buffers of the same shapes:
 * what the functions above do, in one call. A member's whole step runs before the next
 * member's, so that its weights and states stay in the core's cache from forward to backward
 * (the members' arithmetic does not depend on the order). */
void mse_train_step(int kind, int K, int T, int B, int F, int H, int O, int x_stride, int t_stride,
                    const float *x, const float *target,
                    const float *w_ih, const float *b_ih, const float *w_hh, const float *b_hh, const float *w_o,
                    const float *b_o, float *g_w_ih, float *g_b_ih, float *g_w_hh, float *g_b_hh, float *g_w_o,
                    float *g_b_o, float *losses, float *work) {
    const int G = GATES_OF[kind] * H;
    const int64_t steps = (int64_t)T * B, state = (int64_t)(T + 1) * B * H, step = (int64_t)B * H;
    float *at = work;
    float *xp = take(&at, steps * G), *dxp = take(&at, steps * G);
    float *h = take(&at, step), *dh = take(&at, step);
    float *y = take(&at, (int64_t)B * O), *dy = take(&at, (int64_t)B * O);
    float *wt_o = take(&at, (int64_t)H * O), *wt = take(&at, (int64_t)G * H);
    float *dcur = take(&at, step), *dc = take(&at, step);
    /* what the kind keeps from forward for backward (unused ones stay NULL) */
    float *hs = take(&at, state), *hp = NULL, *rz = NULL, *ns = NULL, *dg = NULL, *acts = NULL, *cs = NULL,
          *tcs = NULL;
    if (kind == GRU) {
        hp = take(&at, steps * G), rz = take(&at, steps * 2 * H), ns = take(&at, steps * H);
        dg = take(&at, steps * G);
    } else if (kind == LSTM) {
        acts = take(&at, steps * G), cs = take(&at, state), tcs = take(&at, steps * H);
    }
    for (int k = 0; k < K; k++) {
        const float *xk = x + (int64_t)k * x_stride, *whh = w_hh + (int64_t)k * H * G, *bhh = b_hh + (int64_t)k * G;
        const float *wo = w_o + (int64_t)k * H * O;
        float *gwhh = g_w_hh + (int64_t)k * H * G, *gbhh = g_b_hh + (int64_t)k * G;
        project_forward(1, T, B, F, G, xk, w_ih + (int64_t)k * F * G, b_ih + (int64_t)k * G, xp);
        if (kind == RNN) rnn_forward(1, T, B, H, xp, whh, bhh, hs);
        else if (kind == GRU) gru_forward(1, T, B, H, xp, whh, bhh, hp, rz, ns, hs);
        else lstm_forward(1, T, B, H, xp, whh, bhh, acts, hs, cs, tcs);
        memcpy(h, hs + T * step, sizeof(float) * step);
        head_forward(1, B, H, O, h, wo, b_o + (int64_t)k * O, y);
        mse(B * O, y, target + (int64_t)k * t_stride, losses + k, dy);
        head_backward(1, B, H, O, h, wo, dy, dh, g_w_o + (int64_t)k * H * O, g_b_o + (int64_t)k * O, wt_o);
        if (kind == RNN) rnn_backward(1, T, B, H, hs, whh, dh, dxp, gwhh, gbhh, wt, dcur);
        else if (kind == GRU) gru_backward(1, T, B, H, hp, rz, ns, hs, whh, dh, dxp, gwhh, gbhh, wt, dg, dcur);
        else lstm_backward(1, T, B, H, acts, hs, cs, tcs, whh, dh, dxp, gwhh, gbhh, wt, dcur, dc);
        project_backward(1, T, B, F, G, xk, dxp, g_w_ih + (int64_t)k * F * G, g_b_ih + (int64_t)k * G);
    }
}

/* ---- the plain MLP's training step ----------------------------------------------------------- */

#define MLP_MAX_LAYERS 64

/* An MLP on the flattened window: a_0 = x (B × n_0), a_{l+1} = relu(a_l W_l + b_l) for the L hidden
 * layers, y = a_L W_L + b_L (n_{L+1} = O outputs); sizes = n_0 .. n_{L+1}; w[l] (K, n_l, n_{l+1}),
 * b[l] (K, n_{l+1}). Each member's mean squared error against target (K, B, O) into losses, and
 * the gradients of their sum into gw[l], gb[l]; work: mlp_mse_train_step_floats floats. */
int64_t mlp_mse_train_step_floats(int B, int L, const int *sizes) {
    int64_t n = 16 * (L + 8), widest = 0, largest = 0;
    for (int l = 1; l <= L + 1; l++) n += (int64_t)B * sizes[l];
    for (int l = 0; l <= L + 1; l++) widest = sizes[l] > widest ? sizes[l] : widest;
    for (int l = 0; l <= L; l++) largest = (int64_t)sizes[l] * sizes[l + 1] > largest ? (int64_t)sizes[l] * sizes[l + 1] : largest;
    return n + (int64_t)B * sizes[L + 1] + 2 * (int64_t)B * widest + largest;
}

void mlp_mse_train_step(int K, int B, int L, const int *sizes, const float *x, const float *target,
                        const float *const *w, const float *const *b, float *const *gw, float *const *gb,
                        float *losses, float *work) {
    const int O = sizes[L + 1];
    int widest = 0;
    for (int l = 0; l <= L + 1; l++) widest = sizes[l] > widest ? sizes[l] : widest;
    float *at = work, *acts[MLP_MAX_LAYERS + 2];
    for (int l = 1; l <= L + 1; l++) acts[l] = take(&at, (int64_t)B * sizes[l]);
    float *dy = take(&at, (int64_t)B * O), *d0 = take(&at, (int64_t)B * widest), *d1 = take(&at, (int64_t)B * widest);
    float *wt = at; /* the largest W_l transposed */
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
}
