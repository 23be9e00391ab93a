;; Gradient of the 2×2 stride-2 unpadded max-pool (the small CNN's) for one NHWC image on
;; tfjs-backend-wasm's heap, 4 channels per step. Windows do not overlap, so every tap of every
;; window is written once: dy goes to the window's first maximum in row-major order (tfjs cpu's tie
;; rule, which matters after a ReLU where whole windows of zeros tie; NaN never wins), 0 elsewhere.
;; Pointers are byte offsets; `cb` = channels × 4 (channels a multiple of 4); `w` the input width.
(module
  (import "env" "memory" (memory 1))

  (func (export "maxPoolGrad2x2")
    (param $x i32) (param $dy i32) (param $dx i32) (param $w i32) (param $cb i32) (param $ho i32) (param $wo i32)
    (local $row i32) (local $i i32) (local $j i32) (local $k i32) (local $p i32) (local $q i32) (local $g v128)
    (local $v00 v128) (local $v01 v128) (local $v10 v128) (local $v11 v128) (local $best v128)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local.set $row (i32.mul (local.get $w) (local.get $cb)))
    (local.set $i (i32.const 0))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $ho)))
        (local.set $j (i32.const 0))
        (loop $cols
          ;; $p: byte offset of the window's top-left tap within the image; $q: of its dy
          (local.set $p (i32.add (i32.mul (i32.shl (local.get $i) (i32.const 1)) (local.get $row))
                                 (i32.mul (i32.shl (local.get $j) (i32.const 1)) (local.get $cb))))
          (local.set $q (i32.mul (i32.add (i32.mul (local.get $i) (local.get $wo)) (local.get $j)) (local.get $cb)))
          (local.set $k (i32.const 0))
          (loop $ch
            (local.set $v00 (v128.load (i32.add (local.get $x) (local.get $p))))
            (local.set $v01 (v128.load (i32.add (local.get $x) (i32.add (local.get $p) (local.get $cb)))))
            (local.set $v10 (v128.load (i32.add (local.get $x) (i32.add (local.get $p) (local.get $row)))))
            (local.set $v11 (v128.load (i32.add (local.get $x) (i32.add (i32.add (local.get $p) (local.get $row)) (local.get $cb)))))
            ;; running first maximum: a later tap wins only when strictly greater
            (local.set $s00 (f32x4.gt (local.get $v00) (v128.const f32x4 -inf -inf -inf -inf)))
            (local.set $best (v128.bitselect (local.get $v00) (v128.const f32x4 -inf -inf -inf -inf) (local.get $s00)))
            (local.set $s01 (f32x4.gt (local.get $v01) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $v01) (local.get $best) (local.get $s01)))
            (local.set $s10 (f32x4.gt (local.get $v10) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $v10) (local.get $best) (local.get $s10)))
            (local.set $s11 (f32x4.gt (local.get $v11) (local.get $best)))
            ;; the winner is the last tap that raised the maximum
            (local.set $s10 (v128.andnot (local.get $s10) (local.get $s11)))
            (local.set $s01 (v128.andnot (v128.andnot (local.get $s01) (local.get $s11)) (local.get $s10)))
            (local.set $s00 (v128.andnot (v128.andnot (v128.andnot (local.get $s00) (local.get $s11)) (local.get $s10)) (local.get $s01)))
            (local.set $g (v128.load (i32.add (local.get $dy) (local.get $q))))
            (v128.store (i32.add (local.get $dx) (local.get $p)) (v128.and (local.get $g) (local.get $s00)))
            (v128.store (i32.add (local.get $dx) (i32.add (local.get $p) (local.get $cb))) (v128.and (local.get $g) (local.get $s01)))
            (v128.store (i32.add (local.get $dx) (i32.add (local.get $p) (local.get $row))) (v128.and (local.get $g) (local.get $s10)))
            (v128.store (i32.add (local.get $dx) (i32.add (i32.add (local.get $p) (local.get $row)) (local.get $cb)))
                        (v128.and (local.get $g) (local.get $s11)))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $q (i32.add (local.get $q) (i32.const 16)))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br_if $ch (i32.lt_u (local.get $k) (local.get $cb))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $cols (i32.lt_u (local.get $j) (local.get $wo))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))
)
