;; Training-mode batch normalisation fused with the residual add and ReLU that follow it in ResNets,
;; as four SIMD passes over NHWC tensors that live on tfjs-backend-wasm's heap (this module imports
;; that heap's memory). Per channel, with x̂ = (x − μ)·σ⁻¹:
;;   forward   y  = max(γ·x̂ + β + r, floor)             floor = 0 for ReLU, −∞ without
;;   backward  g  = dy·[y > 0] (dy without ReLU);  dβ = Σ g,  dγ = Σ g·x̂,  dr = g
;;             dx = γσ⁻¹·(g − dβ/n − x̂·dγ/n)  =  a·g + k2·(x − μ) + k1   (a, k1, k2 per channel, from JS)
;; The tfjs-op formulation is ~15 activation-sized passes per layer; this is four.
;;
;; Conventions: pointers are byte offsets into the heap; `cb` is the bytes per row (channels × 4,
;; channels a multiple of 4); per-channel operands are c floats; a pointer with stride 0 re-reads (or
;; re-writes) one row, which is how an absent residual input or output is expressed without a branch.
;; Sums are float32 over the rows of one call: the JS side calls per block of rows and adds the
;; block sums in float64.
(module
  (import "env" "memory" (memory 1))

  ;; acc += Σ_rows (x − shift), acc2 += Σ_rows (x − shift)²   (shift: one sample row, for stability)
  (func (export "stats")
    (param $x i32) (param $rows i32) (param $cb i32) (param $shift i32) (param $acc i32) (param $acc2 i32)
    (local $j i32) (local $v v128)
    (block $done
      (loop $row
        (br_if $done (i32.eqz (local.get $rows)))
        (local.set $j (i32.const 0))
        (loop $ch
          (local.set $v (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $j)))
                                   (v128.load (i32.add (local.get $shift) (local.get $j)))))
          (v128.store (i32.add (local.get $acc) (local.get $j))
            (f32x4.add (v128.load (i32.add (local.get $acc) (local.get $j))) (local.get $v)))
          (v128.store (i32.add (local.get $acc2) (local.get $j))
            (f32x4.add (v128.load (i32.add (local.get $acc2) (local.get $j))) (f32x4.mul (local.get $v) (local.get $v))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br_if $ch (i32.lt_u (local.get $j) (local.get $cb))))
        (local.set $x (i32.add (local.get $x) (local.get $cb)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (br $row))))

  ;; y = max((x − mean)·scale + beta + r, floor), scale = γ·σ⁻¹ (centring first keeps precision when |μ| ≫ σ)
  (func (export "apply")
    (param $x i32) (param $r i32) (param $rStride i32) (param $y i32) (param $rows i32) (param $cb i32)
    (param $mean i32) (param $scale i32) (param $beta i32) (param $floor f32)
    (local $j i32) (local $lo v128)
    (local.set $lo (f32x4.splat (local.get $floor)))
    (block $done
      (loop $row
        (br_if $done (i32.eqz (local.get $rows)))
        (local.set $j (i32.const 0))
        (loop $ch
          (v128.store (i32.add (local.get $y) (local.get $j))
            (f32x4.max
              (f32x4.add
                (f32x4.add
                  (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $j)))
                                        (v128.load (i32.add (local.get $mean) (local.get $j))))
                             (v128.load (i32.add (local.get $scale) (local.get $j))))
                  (v128.load (i32.add (local.get $beta) (local.get $j))))
                (v128.load (i32.add (local.get $r) (local.get $j))))
              (local.get $lo)))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br_if $ch (i32.lt_u (local.get $j) (local.get $cb))))
        (local.set $x (i32.add (local.get $x) (local.get $cb)))
        (local.set $y (i32.add (local.get $y) (local.get $cb)))
        (local.set $r (i32.add (local.get $r) (local.get $rStride)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (br $row))))

  ;; g = dy·[y > 0] (all of dy when relu = 0), written to gOut; acc += Σ g, acc2 += Σ g·(x − mean)·inv
  (func (export "gradReduce")
    (param $dy i32) (param $x i32) (param $y i32) (param $rows i32) (param $cb i32)
    (param $mean i32) (param $inv i32) (param $relu i32) (param $gOut i32) (param $gStride i32)
    (param $acc i32) (param $acc2 i32)
    (local $j i32) (local $keep v128) (local $g v128) (local $xh v128)
    ;; keep every lane when there is no ReLU: mask = [y > 0] | keep
    (local.set $keep (i32x4.splat (i32.sub (i32.const 0) (i32.eqz (local.get $relu)))))
    (block $done
      (loop $row
        (br_if $done (i32.eqz (local.get $rows)))
        (local.set $j (i32.const 0))
        (loop $ch
          (local.set $g
            (v128.and (v128.load (i32.add (local.get $dy) (local.get $j)))
                      (v128.or (f32x4.gt (v128.load (i32.add (local.get $y) (local.get $j))) (v128.const f32x4 0 0 0 0))
                               (local.get $keep))))
          (v128.store (i32.add (local.get $gOut) (local.get $j)) (local.get $g))
          (local.set $xh
            (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $j)))
                                  (v128.load (i32.add (local.get $mean) (local.get $j))))
                       (v128.load (i32.add (local.get $inv) (local.get $j)))))
          (v128.store (i32.add (local.get $acc) (local.get $j))
            (f32x4.add (v128.load (i32.add (local.get $acc) (local.get $j))) (local.get $g)))
          (v128.store (i32.add (local.get $acc2) (local.get $j))
            (f32x4.add (v128.load (i32.add (local.get $acc2) (local.get $j))) (f32x4.mul (local.get $g) (local.get $xh))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br_if $ch (i32.lt_u (local.get $j) (local.get $cb))))
        (local.set $dy (i32.add (local.get $dy) (local.get $cb)))
        (local.set $x (i32.add (local.get $x) (local.get $cb)))
        (local.set $y (i32.add (local.get $y) (local.get $cb)))
        (local.set $gOut (i32.add (local.get $gOut) (local.get $gStride)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (br $row))))

  ;; dx = a·g + k2·(x − mean) + k1, with g as in gradReduce
  (func (export "gradApply")
    (param $dy i32) (param $x i32) (param $y i32) (param $dx i32) (param $rows i32) (param $cb i32)
    (param $a i32) (param $k2 i32) (param $mean i32) (param $k1 i32) (param $relu i32)
    (local $j i32) (local $keep v128) (local $g v128)
    (local.set $keep (i32x4.splat (i32.sub (i32.const 0) (i32.eqz (local.get $relu)))))
    (block $done
      (loop $row
        (br_if $done (i32.eqz (local.get $rows)))
        (local.set $j (i32.const 0))
        (loop $ch
          (local.set $g
            (v128.and (v128.load (i32.add (local.get $dy) (local.get $j)))
                      (v128.or (f32x4.gt (v128.load (i32.add (local.get $y) (local.get $j))) (v128.const f32x4 0 0 0 0))
                               (local.get $keep))))
          (v128.store (i32.add (local.get $dx) (local.get $j))
            (f32x4.add
              (f32x4.add
                (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $a) (local.get $j))))
                (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $j)))
                                      (v128.load (i32.add (local.get $mean) (local.get $j))))
                           (v128.load (i32.add (local.get $k2) (local.get $j)))))
              (v128.load (i32.add (local.get $k1) (local.get $j)))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br_if $ch (i32.lt_u (local.get $j) (local.get $cb))))
        (local.set $dy (i32.add (local.get $dy) (local.get $cb)))
        (local.set $x (i32.add (local.get $x) (local.get $cb)))
        (local.set $y (i32.add (local.get $y) (local.get $cb)))
        (local.set $dx (i32.add (local.get $dx) (local.get $cb)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (br $row))))
)
