-- Deterministic test rules for Baton's e2e tests, keyed on the Subject.
-- (GTUBE, the reject case, is built into rspamd itself.)
rspamd_config.BATON_TEST_ADD_HEADER = {
  callback = function(task)
    local s = task:get_header('Subject')
    return s ~= nil and s:find('baton-add-header', 1, true) ~= nil
  end,
  score = 20.0,
  description = 'Baton test: the Subject asks for add header',
}

rspamd_config.BATON_TEST_SOFT_REJECT = {
  callback = function(task)
    local s = task:get_header('Subject')
    if s ~= nil and s:find('baton-soft-reject', 1, true) ~= nil then
      task:set_pre_result('soft reject', 'Baton test: try again later')
      return true
    end
    return false
  end,
  score = 0.0,
  description = 'Baton test: the Subject asks for soft reject',
}
