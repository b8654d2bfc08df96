# Which monitor labs this tree holds: every lab directory with a Makefrag.
# A student handout for lab N contains lab1..labN, so this list (and the
# default monitor mode, the highest lab's) follows the tree by itself.
LAB_DIRS := $(sort $(patsubst %/Makefrag,%,$(wildcard lab[1-5]-*/Makefrag)))
LAB_NUMS := $(foreach d,$(LAB_DIRS),$(patsubst lab%,%,$(firstword $(subst -, ,$(d)))))
