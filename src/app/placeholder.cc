// placeholder: use cases land here (validate first).
namespace custode::app {}
