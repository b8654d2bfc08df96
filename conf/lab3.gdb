# gdb commands for lab 3's binary translator (mode=bt).  `make gdb`
# sources this file when the tree has a monitor (grade/Makefrag builds
# .gdbinit); they need the monitor's symbols (obj/vmm) to be loaded.
#
# Stopped in translated code, $pc is an address in the translation cache
# (0xFC... in the monitor's pool), and the guest's own eip is nowhere in
# the registers.  These two commands translate between the two:
#
#   tc2eip ADDR        the unit whose translation holds cache address
#                      ADDR, and the guest eip of the nearest precise
#                      point (struct tu_point) at or before it: where
#                      the guest "is" if it stopped there.  tc2eip $pc
#                      is the usual use.
#   eip2tc GUEST_EIP   every unit that starts at guest address GUEST_EIP
#                      (one per code frame, plus dropped ones), with its
#                      place in the cache, and the inline hash's entry.
#                      Then "x/20i ADDR" shows the translation.
#
# Each takes one argument, an expression without spaces (gdb splits a
# user command's arguments at spaces): "tc2eip tus[0].tc+3".  Outside any unit (tc2eip says so), $pc may be
# in bt_glue.S: there %gs:TGT or %gs:RESUME_EIP (bt_area->tgt,
# bt_area->resume_eip) hold the guest eip it is on its way to.  The
# monitor's btdump=N option prints the busiest units in full.
#
# They read the monitor's tables as tc.c keeps them: tus[0..ntus) in
# cache order (so tc2eip bisects, as tc_find_by_addr does) and the
# lookup chains tu_hash[] (indexed as tu_hash_of does).  Only units made
# since the last flush are there.  Written in gdb's own command
# language, so they work in any gdb; the $bt_* variables are scratch.

define tc2eip
  if $argc != 1
    echo usage: tc2eip ADDR (an address in the translation cache, written without spaces)\n
  else
    set $bt_a = (unsigned int)($arg0)
    set $bt_lo = 0
    set $bt_hi = ntus
    while $bt_lo < $bt_hi
      set $bt_mid = ($bt_lo + $bt_hi) / 2
      if (unsigned int)tus[$bt_mid].tc <= $bt_a
        set $bt_lo = $bt_mid + 1
      else
        set $bt_hi = $bt_mid
      end
    end
    set $bt_in = 0
    if $bt_lo > 0
      set $bt_tu = &tus[$bt_lo - 1]
      if $bt_a < (unsigned int)$bt_tu->tc + $bt_tu->len
        set $bt_in = 1
      end
    end
    if !$bt_in
      printf "tc2eip: %#x is in no translation unit (units since the last flush: %u)\n", $bt_a, ntus
    else
      set $bt_off = $bt_a - (unsigned int)$bt_tu->tc
      printf "tc2eip: %#x is +%u in unit #%u: guest %08x, %u guest instructions, translation %#x..%#x", $bt_a, $bt_off, $bt_tu - tus, $bt_tu->eip, $bt_tu->ninsns, $bt_tu->tc, $bt_tu->tc + $bt_tu->len
      if !$bt_tu->live
        echo \ (dropped)
      end
      echo \n
      # Points are in increasing tc_off order; take the last at or before.
      set $bt_k = 0
      set $bt_p = -1
      while $bt_k < $bt_tu->npoints
        if $bt_tu->points[$bt_k].tc_off <= $bt_off
          set $bt_p = $bt_k
        end
        set $bt_k = $bt_k + 1
      end
      if $bt_p < 0
        echo tc2eip: no precise point at or before it\n
      else
        set $bt_pt = $bt_tu->points[$bt_p]
        printf "tc2eip: guest eip %08x (precise point at +%u", $bt_pt.eip, $bt_pt.tc_off
        if $bt_pt.tc_off == $bt_off
          echo : exactly here)\n
        else
          printf "; %u bytes into that instruction's translation)\n", $bt_off - $bt_pt.tc_off
        end
      end
    end
  end
end
document tc2eip
tc2eip ADDR: the guest eip that translation-cache address ADDR stands for
(the nearest precise point at or before it) and the unit that holds it.
Needs the monitor's symbols (obj/vmm).  Example: tc2eip $pc
end

define eip2tc
  if $argc != 1
    echo usage: eip2tc GUEST_EIP (written without spaces)\n
  else
    set $bt_e = (unsigned int)($arg0)
    set $bt_h = ($bt_e ^ ($bt_e >> 10)) % (sizeof(tu_hash) / sizeof(tu_hash[0]))
    set $bt_t = tu_hash[$bt_h]
    set $bt_n = 0
    while $bt_t != 0
      if $bt_t->eip == $bt_e
        printf "eip2tc: unit #%u: guest %08x (frame %08x), translation %#x..%#x, %u guest instructions, %u samples", $bt_t - tus, $bt_t->eip, $bt_t->gpa, $bt_t->tc, $bt_t->tc + $bt_t->len, $bt_t->ninsns, $bt_t->samples
        if !$bt_t->live
          echo \ (dropped)
        end
        echo \n
        set $bt_n = $bt_n + 1
      end
      set $bt_t = $bt_t->hash_next
    end
    if $bt_n == 0
      printf "eip2tc: no unit starts at guest %08x (units since the last flush: %u)\n", $bt_e, ntus
    end
    set $bt_s = bt_area->hash[$bt_e % (sizeof(bt_area->hash) / sizeof(bt_area->hash[0]))]
    if (unsigned int)(-$bt_s.neg_eip) == $bt_e
      printf "eip2tc: the inline hash sends %08x to %#x\n", $bt_e, $bt_s.tc
    end
  end
end
document eip2tc
eip2tc GUEST_EIP: the translation units that start at guest address
GUEST_EIP, where their translations lie in the cache, and the inline
indirect-branch hash's entry for it.  Needs the monitor's symbols.
end
