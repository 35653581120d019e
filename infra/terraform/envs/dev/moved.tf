# The three modules were called from a stack/ module in between; the root calls them itself now.
# These blocks let an existing state follow: a plan shows the moves and changes nothing. Keep
# them as long as any environment may still hold a state written before the move.

moved {
  from = module.stack.module.data_lake
  to   = module.data_lake
}

moved {
  from = module.stack.module.workload_identities
  to   = module.workload_identities
}

moved {
  from = module.stack.module.vault
  to   = module.vault
}
